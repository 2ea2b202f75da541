// The state of a stage between instructions (its image, config, running
// cache key and ARGs), and the instructions that change only the config:
// ENV, LABEL, ARG, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL,
// MAINTAINER, ONBUILD, CMD, ENTRYPOINT. Each advances the cache key by its
// expanded text and adds a history entry, as BuildKit words it.
import HiveOCI
import HivePlatform
import HiveStore

/// The state of a stage between instructions.
struct BuildState {
    /// The image this state is exactly (a FROM image no step changed yet, or
    /// the stage's final image once made); nil once a step changed it.
    var image: Digest?
    var config: ImageConfig
    var key: String
    /// The filesystem: layers bottom first, with their manifest descriptors.
    var layers: [LayerRecord] = []
    var descriptors: [Descriptor] = []
    /// What holds those layers in the store: the FROM image, or the build
    /// cache record of the last step that made a layer (its key). A RUN
    /// step's container runs over it, which keeps it from being pruned.
    var owner: Digest?
    var args: [(String, String)] = []
    var cmdSet = false
    var dirty = false  // metadata changed since `image`

    var env: [(String, String)] {
        var out: [(String, String)] = args
        for kv in config.config?.env ?? [] {
            let k = String(kv.prefix(while: { $0 != "=" }))
            let v = kv.contains("=") ? String(kv.drop(while: { $0 != "=" }).dropFirst()) : ""
            out.removeAll { $0.0 == k }
            out.append((k, v))
        }
        return out
    }

    mutating func setEnv(_ k: String, _ v: String) {
        var cc = config.config ?? ContainerConfig()
        var env = cc.env ?? []
        env.removeAll { $0.prefix(while: { $0 != "=" }) == k }
        env.append(k + "=" + v)
        cc.env = env
        config.config = cc
    }

    mutating func history(_ createdBy: String, empty: Bool) {
        var h = config.history ?? []
        h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0", emptyLayer: empty ? true : nil))
        config.history = h
        if empty { dirty = true }
    }

    mutating func advance(_ text: String) {
        key = Builder.sha256Hex(key + "\n" + text)
    }

    /// A step that changes only the config: its cache key and its history
    /// entry (`history` when Docker words it differently from the key).
    mutating func metadataStep(_ text: String, history: String? = nil) {
        advance(text)
        self.history(history ?? text, empty: true)
    }
}

extension BuildState {
    /// Applies an instruction that changes only the config (RUN, COPY, ADD
    /// and WORKDIR, which may make a layer, are the Builder's).
    /// `architecture` names the platform for TARGETARCH and friends;
    /// `checkSignal` refuses a STOPSIGNAL that is not a signal.
    mutating func applyMetadata(_ instruction: Instruction, lex: ShellLex, buildArgs: [String: String], metaArgs: [(String, String?)],
                                architecture: @autoclosure () -> String, checkSignal: (String) throws -> Void) throws {
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: env) }
        var cc = config.config ?? ContainerConfig()
        switch instruction {
        case .env(let pairs):
            var text: [String] = []
            for (k, v) in pairs {
                let key = try expand(k), value = try expand(v)
                setEnv(key, value)
                text.append("\(key)=\(value)")
            }
            metadataStep("ENV " + text.joined(separator: " "))
        case .label(let pairs):
            var labels = cc.labels ?? [:]
            var text: [String] = []
            for (k, v) in pairs {
                let key = try expand(k), value = try expand(v)
                labels[key] = value
                text.append("\(key)=\(value)")
            }
            cc.labels = labels
            config.config = cc
            metadataStep("LABEL " + text.joined(separator: " "))
        case .arg(let decls):
            for (name, def) in decls {
                var value: String? = buildArgs[name]
                if value == nil, let def { value = try expand(def) }
                if value == nil, let meta = metaArgs.first(where: { $0.0 == name }), let v = meta.1 { value = try expand(v) }
                if value == nil { value = BuildState.automaticArg(name, architecture: architecture()) }
                args.removeAll { $0.0 == name }
                if let value { args.append((name, value)) }
                advance("ARG \(name)=\(value ?? "<unset>")")
            }
        case .user(let u):
            cc.user = try expand(u)
            config.config = cc
            metadataStep("USER " + (cc.user ?? ""))
        case .expose(let ports):
            var exposed = cc.exposedPorts ?? [:]
            var text: [String] = []
            for p in ports {
                for word in try lex.processWords(p, env: env) {
                    let spec = word.contains("/") ? word.lowercased() : word + "/tcp"
                    let num = spec.prefix(while: { $0 != "/" })
                    guard !num.isEmpty, num.split(separator: "-").allSatisfy({ UInt16($0) != nil }),
                          ["tcp", "udp", "sctp"].contains(spec.split(separator: "/").last.map(String.init) ?? "") else {
                        throw HiveError(.invalidArgument, "invalid containerPort: \(word)")
                    }
                    exposed[spec] = EmptyObject()
                    text.append(spec)
                }
            }
            cc.exposedPorts = exposed
            config.config = cc
            metadataStep("EXPOSE " + text.joined(separator: " "), history: "EXPOSE map[" + text.map { $0 + ":{}" }.joined(separator: " ") + "]")
        case .volume(let vols):
            var v = cc.volumes ?? [:]
            var text: [String] = []
            for raw in vols {
                let path = try expand(raw)
                guard !path.isEmpty else { throw HiveError(.invalidArgument, "VOLUME specified can not be an empty string") }
                v[path] = EmptyObject()
                text.append(path)
            }
            cc.volumes = v
            config.config = cc
            metadataStep("VOLUME " + text.joined(separator: " "), history: "VOLUME [" + text.joined(separator: " ") + "]")
        case .stopSignal(let sig):
            let v = try expand(sig)
            try checkSignal(v)
            cc.stopSignal = v
            config.config = cc
            metadataStep("STOPSIGNAL " + v)
        case .healthcheck(let h):
            cc.healthcheck = h
            config.config = cc
            let text = "HEALTHCHECK " + ((try? JSONCoding.encode(h)).map { String(decoding: $0, as: UTF8.self) } ?? "")
            metadataStep(text)
        case .shell(let sh):
            cc.shell = sh
            config.config = cc
            metadataStep("SHELL " + sh.joined(separator: " "), history: "SHELL [" + sh.joined(separator: " ") + "]")
        case .maintainer(let m):
            config.author = m
            metadataStep("MAINTAINER " + m)
        case .onbuild(let trigger):
            cc.onBuild = (cc.onBuild ?? []) + [trigger]
            config.config = cc
            metadataStep("ONBUILD " + trigger)
        case .cmd(let form):
            cc.cmd = BuildState.commandArgv(form, shell: cc.shell)
            config.config = cc
            cmdSet = true
            let text = "CMD " + ((try? JSONCoding.encode(cc.cmd ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "")
            metadataStep(text)
        case .entrypoint(let form):
            cc.entrypoint = BuildState.commandArgv(form, shell: cc.shell)
            if !cmdSet { cc.cmd = nil }  // an inherited CMD goes with a new ENTRYPOINT, as in Docker
            config.config = cc
            let text = "ENTRYPOINT " + ((try? JSONCoding.encode(cc.entrypoint ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "")
            metadataStep(text)
        case .run, .copy, .add, .workdir:
            break  // the Builder's (Builder+Steps.swift, Builder+Copy.swift)
        }
    }

    static func commandArgv(_ form: CommandForm, shell: [String]?) -> [String] {
        switch form {
        case .exec(let a): return a
        case .shell(let c): return (shell ?? ["/bin/sh", "-c"]) + [c]
        }
    }

    /// TARGETPLATFORM and friends, when a stage declares them.
    static func automaticArg(_ name: String, architecture arch: String) -> String? {
        switch name {
        case "TARGETPLATFORM", "BUILDPLATFORM": return "linux/" + arch
        case "TARGETOS", "BUILDOS": return "linux"
        case "TARGETARCH", "BUILDARCH": return arch
        case "TARGETVARIANT", "BUILDVARIANT": return ""
        default: return nil
        }
    }
}
