// Image references, normalised as Docker does (`busybox` is
// `docker.io/library/busybox:latest`, shown as `busybox`).
// Grammar: https://github.com/distribution/reference/blob/main/reference.go

public struct Reference: Hashable, Sendable, CustomStringConvertible {
    public static let defaultDomain = "docker.io"
    public static let officialPrefix = "library/"
    public static let defaultTag = "latest"

    /// Registry host (with port), e.g. `docker.io`, `localhost:5000`.
    public let domain: String
    /// Repository path inside the registry, e.g. `library/busybox`.
    public let path: String
    public let tag: String?
    public let digest: Digest?

    /// The fully qualified repository, e.g. `docker.io/library/busybox`.
    public var repository: String { domain + "/" + path }

    /// The repository as Docker shows it: `busybox`, `user/app`, `localhost:5000/x`.
    public var familiarRepository: String {
        if domain == Reference.defaultDomain {
            if path.hasPrefix(Reference.officialPrefix) && !path.dropFirst(8).contains("/") {
                return String(path.dropFirst(8))
            }
            // docker.io/user.example.com/x shown as user.example.com/x would name
            // another registry (Docker shows it so; found by fuzz-reference): keep the domain
            if let slash = path.firstIndex(of: "/") {
                let first = path[..<slash]
                if first.contains(".") || first.contains(":") || first == "localhost" { return repository }
            }
            return path
        }
        return repository
    }

    /// `repository[:tag][@digest]`, fully qualified.
    public var description: String {
        var s = repository
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    /// As Docker shows it: `busybox:latest`.
    public var familiar: String {
        var s = familiarRepository
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }

    public init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// The same repository with a different tag and no digest.
    public func withTag(_ tag: String) -> Reference {
        Reference(domain: domain, path: path, tag: tag, digest: nil)
    }

    /// Parses and normalises a reference. A reference with neither tag nor
    /// digest gets `latest` when `defaultTag` is true.
    public init(parsing text: String, defaultTag: Bool = true) throws(ReferenceError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= 4096 else { throw .invalid(text, "too long") }
        var rest = Substring(text)
        var digest: Digest? = nil
        if let at = rest.lastIndex(of: "@") {
            do { digest = try Digest(parsing: String(rest[rest.index(after: at)...])) } catch {
                throw .invalid(text, "\(error)")
            }
            rest = rest[..<at]
        }
        var tag: String? = nil
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let t = String(rest[rest.index(after: colon)...])
            guard Reference.isValidTag(t) else { throw .invalid(text, "invalid tag \"\(t)\"") }
            tag = t
            rest = rest[..<colon]
        }
        let name = String(rest)
        guard !name.isEmpty else { throw .invalid(text, "missing repository name") }
        if Reference.isHex64(name) && digest == nil && tag == nil {
            throw .invalid(text, "a 64-hex-digit repository name is ambiguous with an image ID")
        }
        var domain = Reference.defaultDomain
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: { $0.isUppercase }) {
                domain = String(first)
                path = String(name[name.index(after: slash)...])
            }
        }
        if domain == "index.docker.io" { domain = Reference.defaultDomain }
        guard Reference.isValidDomain(domain) else { throw .invalid(text, "invalid registry \"\(domain)\"") }
        if domain == Reference.defaultDomain && !path.contains("/") { path = Reference.officialPrefix + path }
        for comp in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard Reference.isValidPathComponent(comp) else {
                if comp.contains(where: { $0.isUppercase }) {
                    throw .invalid(text, "repository name must be lowercase")
                }
                throw .invalid(text, "invalid repository name component \"\(comp)\"")
            }
        }
        guard (domain + "/" + path).utf8.count <= 255 else { throw .invalid(text, "repository name longer than 255 characters") }
        if tag == nil && digest == nil && defaultTag { tag = Reference.defaultTag }
        self.init(domain: domain, path: path, tag: tag, digest: digest)
    }

    static func isHex64(_ s: String) -> Bool { Digest.isHex64(s) }

    /// `[\w][\w.-]{0,127}`
    public static func isValidTag<S: StringProtocol>(_ t: S) -> Bool {
        let u = Array(t.utf8)
        guard !u.isEmpty, u.count <= 128 else { return false }
        func word(_ c: UInt8) -> Bool { isAlnum(c) || c == 95 }
        guard word(u[0]) else { return false }
        return u.dropFirst().allSatisfy { word($0) || $0 == 46 || $0 == 45 }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    static func isValidPathComponent<S: StringProtocol>(_ c: S) -> Bool {
        let u = Array(c.utf8)
        guard let f = u.first, let l = u.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        var i = 0
        while i < u.count {
            if isLowerAlnum(u[i]) { i += 1; continue }
            // a separator run
            var j = i
            while j < u.count && !isLowerAlnum(u[j]) { j += 1 }
            let sep = u[i..<j]
            let ok = sep.elementsEqual([46]) || sep.elementsEqual([95]) || sep.elementsEqual([95, 95]) || sep.allSatisfy { $0 == 45 }
            if !ok { return false }
            i = j
        }
        return true
    }

    /// Host labels (letters, digits, inner hyphens) separated by dots, an optional
    /// `:port`, or a bracketed IPv6 address.
    static func isValidDomain(_ d: String) -> Bool {
        var host = Substring(d)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
            host = host[..<colon]
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return false }
            return host.dropFirst().dropLast().utf8.allSatisfy { isHexDigit($0) || $0 == 58 }
        }
        guard !host.isEmpty else { return false }
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            let u = Array(label.utf8)
            guard let f = u.first, let l = u.last, isAlnum(f), isAlnum(l) else { return false }
            guard u.allSatisfy({ isAlnum($0) || $0 == 45 }) else { return false }
        }
        return true
    }
}

@inline(__always) func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
@inline(__always) func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }
@inline(__always) func isHexDigit(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) }

public enum ReferenceError: Error, Equatable, CustomStringConvertible {
    case empty
    case invalid(String, String)
    public var description: String {
        switch self {
        case .empty: return "invalid reference format: empty reference"
        case .invalid(let r, let why): return "invalid reference format \"\(r)\": \(why)"
        }
    }
}
