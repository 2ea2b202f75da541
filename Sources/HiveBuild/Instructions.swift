// The parsed Dockerfile as typed instructions in stages: what the builder
// executes. Arguments stay unexpanded here (expansion depends on the build
// state); flags are checked per instruction as BuildKit does.
import HiveOCI
import HivePlatform

/// An error in the Dockerfile, with the lines it concerns.
public struct DockerfileError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var line: Int
    public init(_ message: String, line: Int) {
        self.message = message
        self.line = line
    }
    public var description: String { message }
}

/// A command: shell form (run through SHELL) or exec form.
public enum CommandForm: Sendable, Equatable {
    case shell(String)
    case exec([String])
}

/// `RUN --mount=type=cache|bind|tmpfs,target=...`.
public struct RunMount: Sendable, Equatable {
    public enum Kind: String, Sendable { case bind, cache, tmpfs, secret, ssh }
    public var kind: Kind
    public var target: String
    public var source: String?
    public var from: String?
    public var id: String?
    public var readWrite = false
    public var size: String?

    /// Parses the CSV form BuildKit takes (`type=cache,target=/root/.cache,id=x`).
    public static func parse(_ text: String) throws -> RunMount {
        var m = RunMount(kind: .bind, target: "")
        for field in text.split(separator: ",") {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            let k = kv[0].lowercased(), v = kv.count > 1 ? kv[1] : ""
            switch k {
            case "type":
                guard let t = Kind(rawValue: v) else { throw DockerfileError("unsupported mount type \"\(v)\" (bind, cache or tmpfs)", line: 0) }
                m.kind = t
            case "target", "dst", "destination": m.target = v
            case "source", "src": m.source = v
            case "from": m.from = v
            case "id": m.id = v
            case "rw", "readwrite": m.readWrite = v.isEmpty || v == "true"
            case "ro", "readonly": m.readWrite = !(v.isEmpty || v == "true")
            case "size": m.size = v
            case "sharing", "mode", "uid", "gid", "required", "env": continue
            default: throw DockerfileError("unknown key \"\(k)\" in --mount=\(text)", line: 0)
            }
        }
        if m.kind == .secret || m.kind == .ssh {
            throw DockerfileError("--mount=type=\(m.kind.rawValue) is not available (no secrets or SSH agent in hive builds yet)", line: 0)
        }
        guard !m.target.isEmpty else { throw DockerfileError("--mount=\(text) needs target=", line: 0) }
        return m
    }
}

public struct CopySpec: Sendable {
    public var sources: [String]
    public var dest: String
    public var from: String?
    public var chown: String?
    public var chmod: String?
    public var link = false
    public var parents = false
    public var excludes: [String] = []
    public var heredocs: [Heredoc] = []
}

public enum Instruction: Sendable {
    case run(CommandForm, network: String?, heredocs: [Heredoc], mounts: [RunMount])
    case cmd(CommandForm)
    case entrypoint(CommandForm)
    case shell([String])
    case env([(String, String)])
    case label([(String, String)])
    case arg([(String, String?)])
    case copy(CopySpec)
    case add(CopySpec)
    case workdir(String)
    case user(String)
    case expose([String])
    case volume([String])
    case stopSignal(String)
    case healthcheck(Healthcheck)
    case maintainer(String)
    case onbuild(String)
}

public struct Step: Sendable {
    public var instruction: Instruction
    /// The instruction as written (one logical line), for history and errors.
    public var original: String
    public var startLine: Int
    public var endLine: Int
    public init(instruction: Instruction, original: String, startLine: Int, endLine: Int) {
        self.instruction = instruction
        self.original = original
        self.startLine = startLine
        self.endLine = endLine
    }
}

public struct Stage: Sendable {
    public var index: Int
    public var name: String?
    public var baseImage: String
    public var platform: String?
    public var fromLine: Int
    public var fromOriginal: String
    public var steps: [Step]
}

public struct Dockerfile: Sendable {
    public var metaArgs: [(String, String?)]
    public var stages: [Stage]
    public var escape: Unicode.Scalar
    public var warnings: [String]

    static let allowedFlags: [String: Set<String>] = [
        "from": ["platform"],
        "run": ["mount", "network", "security"],
        "copy": ["from", "chown", "chmod", "link", "parents", "exclude"],
        "add": ["chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"],
        "healthcheck": ["interval", "timeout", "start-period", "start-interval", "retries"],
    ]

    public static func parse(_ text: String) throws -> Dockerfile {
        let result: ParseResult
        do { result = try DockerfileParser.parse(text) } catch {
            throw DockerfileError(error.message, line: max(error.startLine, 1))
        }
        var df = Dockerfile(metaArgs: [], stages: [], escape: result.escape, warnings: result.warnings)
        for node in result.root.children {
            let key = node.value.lowercased()
            let flags = try parseFlags(node, key: key)
            if key == "from" {
                let args = node.arguments
                guard !args.isEmpty else { throw DockerfileError("FROM requires either one or three arguments", line: node.startLine) }
                var name: String? = nil
                if args.count == 3 {
                    guard args[1].lowercased() == "as" else { throw DockerfileError("FROM requires either one or three arguments", line: node.startLine) }
                    name = args[2].lowercased()
                    guard isStageName(name!) else {
                        throw DockerfileError("invalid name for build stage: \"\(args[2])\", name can't start with a number or contain symbols", line: node.startLine)
                    }
                    if df.stages.contains(where: { $0.name == name }) {
                        throw DockerfileError("duplicate stage name \"\(args[2])\"", line: node.startLine)
                    }
                } else if args.count != 1 {
                    throw DockerfileError("FROM requires either one or three arguments", line: node.startLine)
                }
                df.stages.append(Stage(index: df.stages.count, name: name, baseImage: args[0], platform: flags["platform"] ?? nil,
                                       fromLine: node.startLine, fromOriginal: node.original, steps: []))
                continue
            }
            let instruction = try parseInstruction(node, key: key, flags: flags)
            let step = Step(instruction: instruction, original: node.original, startLine: node.startLine, endLine: node.endLine)
            if df.stages.isEmpty {
                guard case .arg(let a) = instruction else {
                    throw DockerfileError("no build stage in current context (\(node.value.uppercased()) before the first FROM)", line: node.startLine)
                }
                df.metaArgs += a
                continue
            }
            df.stages[df.stages.count - 1].steps.append(step)
        }
        guard !df.stages.isEmpty else { throw DockerfileError("the Dockerfile has no FROM instruction", line: 1) }
        return df
    }

    static func isStageName(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// `--name=value` / `--name` flags, checked against the instruction's known flags.
    static func parseFlags(_ node: Node, key: String) throws -> [String: String?] {
        var out: [String: String?] = [:]
        let allowed = allowedFlags[key] ?? []
        for f in node.flags {
            guard f.hasPrefix("--") else { throw DockerfileError("invalid flag \(f) on \(node.value.uppercased())", line: node.startLine) }
            let body = f.dropFirst(2)
            let name = String(body.prefix(while: { $0 != "=" }))
            let value = body.contains("=") ? String(body.drop(while: { $0 != "=" }).dropFirst()) : nil
            guard allowed.contains(name) else {
                throw DockerfileError("unknown flag: --\(name) on \(node.value.uppercased())", line: node.startLine)
            }
            if name == "exclude" || name == "mount" {
                out[name + "#\(out.count)"] = value
            } else {
                if out[name] != nil { throw DockerfileError("duplicate flag specified: \(name)", line: node.startLine) }
                out[name] = value
            }
        }
        return out
    }

    static func command(_ node: Node) -> CommandForm {
        node.isJSON ? .exec(node.arguments) : .shell(node.arguments.first ?? "")
    }

    static func pairs(_ node: Node) -> [(String, String)] {
        let a = node.arguments
        return stride(from: 0, to: a.count - 1, by: 3).map { (a[$0], a[$0 + 1]) }
    }

    static func parseInstruction(_ node: Node, key: String, flags: [String: String?]) throws -> Instruction {
        let args = node.arguments
        let line = node.startLine
        func need(_ n: Int, _ what: String) throws {
            if args.count < n { throw DockerfileError("\(node.value.uppercased()) requires \(what)", line: line) }
        }
        switch key {
        case "run":
            if args.isEmpty && node.heredocs.isEmpty { throw DockerfileError("RUN requires at least one argument", line: line) }
            var mounts: [RunMount] = []
            for (k, v) in flags.sorted(by: { $0.key < $1.key }) where k.hasPrefix("mount#") {
                do { mounts.append(try RunMount.parse(v ?? "")) } catch let e as DockerfileError {
                    throw DockerfileError(e.message, line: line)
                }
            }
            if let n = flags["network"] ?? nil, !["default", "none", "host"].contains(n) {
                throw DockerfileError("invalid RUN --network=\(n) (default, none or host)", line: line)
            }
            return .run(command(node), network: flags["network"] ?? nil, heredocs: node.heredocs, mounts: mounts)
        case "cmd": return .cmd(command(node))
        case "entrypoint": return .entrypoint(command(node))
        case "shell":
            guard node.isJSON, !args.isEmpty else { throw DockerfileError("SHELL requires the arguments to be in JSON form", line: line) }
            return .shell(args)
        case "env":
            try need(1, "at least one argument")
            return .env(pairs(node))
        case "label":
            try need(1, "at least one argument")
            return .label(pairs(node))
        case "maintainer":
            try need(1, "exactly one argument")
            return .maintainer(args[0])
        case "arg":
            try need(1, "at least one argument")
            return .arg(args.map { a in
                guard let eq = a.firstIndex(of: "=") else { return (a, nil) }
                return (String(a[..<eq]), String(a[a.index(after: eq)...]))
            })
        case "copy", "add":
            var spec = CopySpec(sources: [], dest: "")
            if node.heredocs.isEmpty {
                guard args.count >= 2 else { throw DockerfileError("\(key.uppercased()) requires at least two arguments, but only one was provided. Destination could not be determined", line: line) }
            } else {
                guard args.count >= 2 else { throw DockerfileError("\(key.uppercased()) requires a source and a destination", line: line) }
            }
            spec.sources = Array(args.dropLast())
            spec.dest = args.last!
            spec.heredocs = node.heredocs
            spec.from = flags["from"] ?? nil
            spec.chown = flags["chown"] ?? nil
            spec.chmod = flags["chmod"] ?? nil
            spec.link = flags.keys.contains("link")
            spec.parents = flags.keys.contains("parents")
            spec.excludes = flags.filter { $0.key.hasPrefix("exclude#") }.sorted { $0.key < $1.key }.compactMap { $0.value }
            if let m = spec.chmod, UInt32(m, radix: 8) == nil {
                throw DockerfileError("invalid --chmod=\(m): only octal modes are supported", line: line)
            }
            return key == "copy" ? .copy(spec) : .add(spec)
        case "workdir":
            try need(1, "exactly one argument")
            return .workdir(args[0])
        case "user":
            try need(1, "exactly one argument")
            return .user(args[0])
        case "expose":
            try need(1, "at least one argument")
            return .expose(args)
        case "volume":
            try need(1, "at least one argument")
            return .volume(args.filter { !$0.isEmpty })
        case "stopsignal":
            try need(1, "exactly one argument")
            return .stopSignal(args[0])
        case "onbuild":
            guard let inner = node.next?.children.first else { throw DockerfileError("ONBUILD requires at least one argument", line: line) }
            let k = inner.value.lowercased()
            if k == "onbuild" { throw DockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", line: line) }
            if k == "from" || k == "maintainer" { throw DockerfileError("\(inner.value.uppercased()) isn't allowed as an ONBUILD trigger", line: line) }
            // checked now, run in child builds
            _ = try parseInstruction(inner, key: k, flags: try parseFlags(inner, key: k))
            return .onbuild(inner.original)
        case "healthcheck":
            try need(1, "at least one argument")
            let typ = args[0].uppercased()
            var h = Healthcheck()
            if typ == "NONE" {
                guard args.count == 1 else { throw DockerfileError("HEALTHCHECK NONE takes no arguments", line: line) }
                h.test = ["NONE"]
                return .healthcheck(h)
            }
            guard typ == "CMD" else { throw DockerfileError("unknown type for healthcheck: \(args[0]) (expected CMD or NONE)", line: line) }
            let rest = Array(args.dropFirst())
            guard !rest.isEmpty else { throw DockerfileError("HEALTHCHECK CMD requires a command", line: line) }
            h.test = node.isJSON ? ["CMD"] + rest : ["CMD-SHELL", rest[0]]
            func duration(_ name: String) throws -> Int64? {
                guard let v = flags[name] ?? nil else { return nil }
                guard let d = Quantity.duration(v), d >= 0 else { throw DockerfileError("invalid --\(name)=\(v): a duration like 30s", line: line) }
                return d
            }
            h.interval = try duration("interval")
            h.timeout = try duration("timeout")
            h.startPeriod = try duration("start-period")
            h.startInterval = try duration("start-interval")
            if let r = flags["retries"] ?? nil {
                guard let n = Int(r), n >= 0 else { throw DockerfileError("invalid --retries=\(r)", line: line) }
                h.retries = n
            }
            return .healthcheck(h)
        default:
            throw DockerfileError("unknown instruction: \(node.value.uppercased())", line: line)
        }
    }
}
