// A content digest, `sha256:<64 lowercase hex>`.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
import HivePlatform

public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The 64 lowercase hex digits (only sha256 is supported).
    public let hex: String

    public init(hex: String) throws(DigestError) {
        guard Digest.isHex64(hex) else { throw .invalid("sha256:" + hex) }
        self.hex = hex
    }

    /// Parses `sha256:<hex>`.
    public init(parsing text: String) throws(DigestError) {
        guard text.hasPrefix("sha256:") else {
            if let colon = text.firstIndex(of: ":") {
                throw .unsupportedAlgorithm(String(text[..<colon]))
            }
            throw .invalid(text)
        }
        try self.init(hex: String(text.dropFirst(7)))
    }

    public var description: String { "sha256:" + hex }
    public var shortID: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public static func isHex64(_ s: String) -> Bool {
        let u = s.utf8
        return u.count == 64 && u.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The digest of `bytes`.
    public static func of<C: Collection>(_ bytes: C) -> Digest where C.Element == UInt8 {
        let h = SHA256()
        h.update(Array(bytes))
        return h.finalize()
    }

    /// The chainID of a layer stack: chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)).
    /// Spec: https://github.com/opencontainers/image-spec/blob/main/config.md#layer-chainid
    public static func chainIDs(_ diffIDs: [Digest]) -> [Digest] {
        var out: [Digest] = []
        for d in diffIDs { out.append(chainID(d, parent: out.last)) }
        return out
    }

    /// One step of the chain: a layer's chainID from its diffID and its parent's chainID.
    public static func chainID(_ diffID: Digest, parent: Digest?) -> Digest {
        parent.map { Digest.of(Array("\($0) \(diffID)".utf8)) } ?? diffID
    }
}

public enum DigestError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case unsupportedAlgorithm(String)
    public var description: String {
        switch self {
        case .invalid(let s): return "invalid digest \"\(s)\" (expected sha256: and 64 lowercase hex digits)"
        case .unsupportedAlgorithm(let a): return "unsupported digest algorithm \"\(a)\" (only sha256 is supported)"
        }
    }
}

extension SHA256 {
    /// Finishes the hash as a Digest; the object must not be updated afterwards.
    public func finalize() -> Digest { Digest(raw: finalizeBytes()) }
}

extension Digest {
    /// From 32 raw bytes.
    public init(raw: [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(64)
        for b in raw {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 15)])
        }
        self.hex = String(decoding: chars, as: UTF8.self)
    }
}
