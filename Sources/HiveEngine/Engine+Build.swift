// `hive build`: stages, instructions, and the build cache (DESIGN.md "build").
//
// Each stage keeps a running cache key: the base image, then every
// instruction with its expanded arguments (and, for COPY/ADD, the content
// digest of every file copied). A step that makes a layer (RUN, COPY, ADD, a
// WORKDIR that must be created) is looked up by that key; a hit reuses the
// image the step made before, a miss runs it and records the new image.
// Metadata instructions only change the config; the stage's image is made at
// its end (also cached), so a fully cached rebuild makes no image at all.
import Glibc
import HiveArchive
import HiveBuild
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

public struct BuildOptions {
    /// The context directory; nil for `hive build -` (a Dockerfile on stdin, no context).
    public var contextDir: String?
    public var dockerfileText: String
    public var dockerfileName = "Dockerfile"
    public var tags: [String] = []
    public var buildArgs: [String: String] = [:]
    public var target: String?
    public var noCache = false
    public var labels: [String: String] = [:]
    public var network = "none"
    /// Progress lines (`#3 [2/5] RUN ...`), and whether RUN output is shown.
    public var progress: (String) -> Void = { _ in }
    public var showRunOutput = true
    public init(dockerfileText: String) { self.dockerfileText = dockerfileText }
}

/// The state of a stage between instructions.
struct BuildState {
    var image: Digest?
    var config: ImageConfig
    var key: String
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
        key = Engine.sha256Hex(key + "\n" + text)
    }

    /// A step that changes only the config: its cache key and its history
    /// entry (`history` when Docker words it differently from the key).
    mutating func metadataStep(_ text: String, history: String? = nil) {
        advance(text)
        self.history(history ?? text, empty: true)
    }
}

extension Engine {
    static func sha256Hex(_ s: String) -> String {
        let h = SHA256()
        h.update(Array(s.utf8))
        return h.finalize().hex
    }

    static let predefinedArgs: Set<String> = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                                               "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]

    /// Builds the Dockerfile; returns the image ID (tagged with every `-t`).
    public func build(_ o: BuildOptions) throws -> Digest {
        let df: Dockerfile
        do { df = try Dockerfile.parse(o.dockerfileText) } catch let e as DockerfileError {
            throw HiveError(.invalidArgument, Engine.dockerfileMessage(e.message, line: e.line, file: o.dockerfileName, text: o.dockerfileText))
        }
        for w in df.warnings { o.progress("warning: \(o.dockerfileName): \(w)") }
        let tags = try o.tags.map { (t) throws -> String in
            do { return try Reference(parsing: t).description } catch { throw HiveError(.invalidArgument, "invalid tag \"\(t)\": \(error)") }
        }
        // pre-build hooks may change tags, labels, build args, network; or refuse
        var opts = o
        if let ctx = try preHooks(.preBuild, {
            (.object(["tags": .array(tags.map { .string(familiarName($0)) }), "labels": .object(o.labels.mapValues(JSONValue.string)),
                      "build_args": .object(o.buildArgs.mapValues(JSONValue.string)), "network": .string(o.network),
                      "context": .string(o.contextDir ?? "-"), "dockerfile": .string(o.dockerfileName)]), Hooks.Subject(labels: o.labels))
        }) {
            opts.labels = (ctx["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            opts.buildArgs = (ctx["build_args"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            opts.network = ctx["network"]?.stringValue ?? o.network
            opts.tags = (ctx["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let finalTags = try opts.tags.map { (t) throws -> String in
            do { return try Reference(parsing: t).description } catch { throw HiveError(.invalidArgument, "invalid tag \"\(t)\": \(error)") }
        }
        guard ["none", "host", "default"].contains(opts.network) else {
            throw HiveError(.invalidArgument, "network \"\(opts.network)\" is not available for builds (use none or host)")
        }

        // the target and the stages it needs
        let targetIndex: Int
        if let t = opts.target {
            guard let i = df.stages.firstIndex(where: { $0.name == t.lowercased() }) else {
                throw HiveError(.notFound, "target stage \"\(t)\" could not be found in \(o.dockerfileName) (stages: \(df.stages.compactMap(\.name).joined(separator: ", ")))")
            }
            targetIndex = i
        } else {
            targetIndex = df.stages.count - 1
        }
        var metaArgs: [(String, String)] = []
        for (k, v) in df.metaArgs {
            let lex = ShellLex(escape: df.escape)
            if let given = opts.buildArgs[k] { metaArgs.append((k, given)) } else if let v {
                metaArgs.append((k, (try? lex.processWord(v, env: metaArgs)) ?? v))
            }
        }
        let context = try opts.contextDir.map { try BuildContext(dir: $0, dockerfileName: o.dockerfileName) }
        var results: [Int: BuildState] = [:]
        let needed = try neededStages(df, target: targetIndex, metaArgs: metaArgs)
        let total = needed.reduce(0) { $0 + df.stages[$1].steps.count + 1 }
        var counter = 0
        for i in needed {
            results[i] = try buildStage(df.stages[i], df: df, opts: opts, metaArgs: metaArgs, context: context, earlier: results,
                                        counter: &counter, total: total, isFinal: i == targetIndex)
        }
        guard let final = results[targetIndex], let id = final.image else {
            throw HiveError(.internal, "the build produced no image")
        }
        try store.db.transaction { () throws(HiveError) in
            for t in finalTags { try store.setTag(t, to: id) }
        }
        opts.progress("writing image \(id.description) done")
        for t in finalTags { opts.progress("naming to \(t) done") }
        emit(.postBuild, EventRecord(type: "image", action: "build", id: id.description, attributes: ["name": finalTags.first.map(familiarName) ?? "<none>"]),
             context: .object(["id": .string(id.description), "tags": .array(finalTags.map { .string(familiarName($0)) }),
                               "labels": .object(opts.labels.mapValues(JSONValue.string))]))
        return id
    }

    static func dockerfileMessage(_ message: String, line: Int, file: String, text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let quoted = line >= 1 && line <= lines.count ? ": " + String(lines[line - 1]).trimmed : ""
        return "\(file):\(line): \(message)" + (quoted.count > 2 && quoted.count < 200 ? " (line \(line)\(quoted))" : "")
    }

    /// The stages the target depends on (FROM a stage, COPY --from), in order.
    func neededStages(_ df: Dockerfile, target: Int, metaArgs: [(String, String)]) throws -> [Int] {
        var need = Set<Int>()
        func visit(_ i: Int) {
            guard need.insert(i).inserted else { return }
            let s = df.stages[i]
            let base = (try? ShellLex(escape: df.escape).processWord(s.baseImage, env: metaArgs)) ?? s.baseImage
            if let j = stageIndex(df, base.lowercased(), before: i) { visit(j) }
            for step in s.steps {
                if case .copy(let c) = step.instruction, let from = c.from, let j = stageIndex(df, from.lowercased(), before: i) { visit(j) }
                if case .run(_, _, _, let mounts) = step.instruction {
                    for m in mounts { if let from = m.from, let j = stageIndex(df, from.lowercased(), before: i) { visit(j) } }
                }
            }
        }
        visit(target)
        return need.sorted()
    }

    func stageIndex(_ df: Dockerfile, _ name: String, before: Int) -> Int? {
        if let n = Int(name), n >= 0, n < before { return n }
        return df.stages[..<before].firstIndex { $0.name == name }
    }

    // MARK: - One stage

    func buildStage(_ stage: Stage, df: Dockerfile, opts: BuildOptions, metaArgs: [(String, String)], context: BuildContext?,
                    earlier: [Int: BuildState], counter: inout Int, total: Int, isFinal: Bool) throws -> BuildState {
        let lex = ShellLex(escape: df.escape)
        func fail(_ m: String, _ line: Int) -> HiveError {
            HiveError(.invalidArgument, Engine.dockerfileMessage(m, line: line, file: opts.dockerfileName, text: opts.dockerfileText))
        }
        counter += 1
        if let p = stage.platform {
            let platform = (try? lex.processWord(p, env: metaArgs + [("BUILDPLATFORM", "linux/" + Engine.hostArchitecture),
                                                                   ("TARGETPLATFORM", "linux/" + Engine.hostArchitecture)])) ?? p
            guard platform == "linux/" + Engine.hostArchitecture || platform == "linux" else {
                throw fail("FROM --platform=\(platform): hive builds for this machine only (linux/\(Engine.hostArchitecture))", stage.fromLine)
            }
        }
        let baseName: String
        do { baseName = try lex.processWord(stage.baseImage, env: metaArgs) } catch { throw fail(error.message, stage.fromLine) }
        opts.progress("#\(counter) [\(stage.name ?? "stage-\(stage.index)") \(counter)/\(total)] FROM \(baseName)")
        var state: BuildState
        if baseName.lowercased() == "scratch" {
            let c = ImageConfig(architecture: Engine.hostArchitecture, os: "linux", rootfs: RootFS(diffIDs: []))
            state = BuildState(image: nil, config: c, key: Engine.sha256Hex("FROM scratch"))
        } else if let j = stageIndex(df, baseName.lowercased(), before: stage.index), var from = earlier[j] {
            from.args = []
            from.cmdSet = false
            from.advance("FROM stage")
            state = from
        } else {
            let resolved: ResolvedImage
            do { resolved = try resolveImage(baseName) } catch {
                throw fail("base image \"\(baseName)\" not found locally (hive import or hive load it first; pulling is not available yet)", stage.fromLine)
            }
            try store.db.transaction { () throws(HiveError) in try store.touchImage(resolved.id, at: Timestamp.now().unixNanos) }
            var config = try imageConfig(resolved.id)
            config.history = config.history ?? []
            state = BuildState(image: resolved.id, config: config, key: Engine.sha256Hex("FROM " + resolved.id.hex))
        }
        // the predefined proxy arguments reach RUN without an ARG, as in Docker
        for (k, v) in opts.buildArgs.sorted(by: { $0.key < $1.key }) where Engine.predefinedArgs.contains(k) {
            state.args.append((k, v))
        }
        // ONBUILD triggers of the base run first, then are cleared
        var steps = stage.steps
        if let triggers = state.config.config?.onBuild, !triggers.isEmpty {
            var parsed: [Step] = []
            for t in triggers {
                guard let d = try? Dockerfile.parse("FROM scratch\n" + t), let s = d.stages.first?.steps.first else {
                    throw fail("invalid ONBUILD trigger in the base image: \(t)", stage.fromLine)
                }
                parsed.append(Step(instruction: s.instruction, original: t, startLine: stage.fromLine, endLine: stage.fromLine))
            }
            steps = parsed + steps
            state.config.config?.onBuild = nil
            state.advance("ONBUILD-RUN " + triggers.joined(separator: "\n"))
        }
        for step in steps {
            counter += 1
            opts.progress("#\(counter) [\(stage.name ?? "stage-\(stage.index)") \(counter)/\(total)] \(step.original.trimmed)")
            let started = Timestamp.now().unixNanos
            do {
                let cached = try apply(step, to: &state, lex: lex, opts: opts, context: context, earlier: earlier, df: df, stage: stage)
                if cached { opts.progress("#\(counter) CACHED") } else if Engine.makesLayer(step.instruction) {
                    opts.progress("#\(counter) DONE \(Engine.seconds(Timestamp.now().unixNanos - started))")
                }
            } catch let e as HiveError {
                throw ![.cannotInvoke, .commandNotFound].contains(e.code) && !e.message.hasPrefix(opts.dockerfileName + ":") ? fail(e.description, step.startLine) : e
            } catch let e as ShellLex.Error {
                throw fail(e.message, step.startLine)
            }
        }
        // the stage's image: labels from --label on the final stage, then made (or found) once
        if isFinal && !opts.labels.isEmpty {
            var cc = state.config.config ?? ContainerConfig()
            var l = cc.labels ?? [:]
            for (k, v) in opts.labels.sorted(by: { $0.key < $1.key }) { l[k] = v; state.advance("LABEL \(k)=\(v)") }
            cc.labels = l
            state.config.config = cc
            state.dirty = true
        }
        if state.dirty || state.image == nil {
            state.advance("IMAGE")
            if !opts.noCache, let hit = try store.cachedBuildStep(state.key), try store.image(hit) != nil {
                state.image = hit
            } else {
                let id = try makeImage(parent: state.image, config: state.config, writeLayer: nil)
                try store.db.transaction { () throws(HiveError) in try store.recordBuildStep(state.key, image: id) }
                state.image = id
            }
            state.dirty = false
        }
        return state
    }

    static func makesLayer(_ i: Instruction) -> Bool {
        switch i {
        case .run, .copy, .add, .workdir: return true
        default: return false
        }
    }

    static func seconds(_ nanos: Int64) -> String {
        let tenths = (nanos + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10)s"
    }

    /// Applies one instruction; returns whether its result came from the cache.
    func apply(_ step: Step, to s: inout BuildState, lex: ShellLex, opts: BuildOptions, context: BuildContext?,
               earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: s.env) }
        var cc = s.config.config ?? ContainerConfig()
        switch step.instruction {
        case .env(let pairs):
            var text: [String] = []
            for (k, v) in pairs {
                let key = try expand(k), value = try expand(v)
                s.setEnv(key, value)
                text.append("\(key)=\(value)")
            }
            s.metadataStep("ENV " + text.joined(separator: " "))
            return false
        case .label(let pairs):
            var labels = cc.labels ?? [:]
            var text: [String] = []
            for (k, v) in pairs {
                let key = try expand(k), value = try expand(v)
                labels[key] = value
                text.append("\(key)=\(value)")
            }
            cc.labels = labels
            s.config.config = cc
            s.metadataStep("LABEL " + text.joined(separator: " "))
            return false
        case .arg(let decls):
            for (name, def) in decls {
                var value: String? = opts.buildArgs[name]
                if value == nil, let def { value = try expand(def) }
                if value == nil, let meta = df.metaArgs.first(where: { $0.0 == name }), let v = meta.1 { value = try expand(v) }
                if value == nil { value = Engine.automaticArg(name) }
                s.args.removeAll { $0.0 == name }
                if let value { s.args.append((name, value)) }
                s.advance("ARG \(name)=\(value ?? "<unset>")")
            }
            return false
        case .workdir(let w):
            var dir = try expand(w)
            if !dir.hasPrefix("/") { dir = (cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/") + "/" + dir }
            dir = "/" + DockerIgnore.clean(dir)
            cc.workingDir = dir
            s.config.config = cc
            s.advance("WORKDIR " + dir)
            // the directory is created if the image lacks it (symlinks on the way resolved inside the image)
            let layers = try s.image.map { try store.layers(of: $0).reversed().map { store.layerDiffDir($0.chainID) } } ?? []
            let image = try LayerView(layers: layers)
            let resolved = try BuildFiles.resolveInImage(image, String(dir.dropFirst()), followLast: true)
            if !resolved.exists {
                return try layerStep(&s, createdBy: "WORKDIR \(dir)", opts: opts) { layerDir in
                    let layer = open(layerDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    guard layer >= 0 else { throw HiveError.errno("cannot open \(layerDir)") }
                    defer { close(layer) }
                    close(try BuildFiles.makeDirs(layer, resolved.names, lowers: image))
                }
            }
            s.history("WORKDIR \(dir)", empty: true)
            return false
        case .user(let u):
            cc.user = try expand(u)
            s.config.config = cc
            s.metadataStep("USER " + (cc.user ?? ""))
            return false
        case .expose(let ports):
            var exposed = cc.exposedPorts ?? [:]
            var text: [String] = []
            for p in ports {
                for word in try lex.processWords(p, env: s.env) {
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
            s.config.config = cc
            s.metadataStep("EXPOSE " + text.joined(separator: " "), history: "EXPOSE map[" + text.map { $0 + ":{}" }.joined(separator: " ") + "]")
            return false
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
            s.config.config = cc
            s.metadataStep("VOLUME " + text.joined(separator: " "), history: "VOLUME [" + text.joined(separator: " ") + "]")
            return false
        case .stopSignal(let sig):
            let v = try expand(sig)
            _ = try Signals.number(v)
            cc.stopSignal = v
            s.config.config = cc
            s.metadataStep("STOPSIGNAL " + v)
            return false
        case .healthcheck(let h):
            cc.healthcheck = h
            s.config.config = cc
            let text = "HEALTHCHECK " + ((try? JSONCoding.encode(h)).map { String(decoding: $0, as: UTF8.self) } ?? "")
            s.metadataStep(text)
            return false
        case .shell(let sh):
            cc.shell = sh
            s.config.config = cc
            s.metadataStep("SHELL " + sh.joined(separator: " "), history: "SHELL [" + sh.joined(separator: " ") + "]")
            return false
        case .maintainer(let m):
            s.config.author = m
            s.metadataStep("MAINTAINER " + m)
            return false
        case .onbuild(let trigger):
            cc.onBuild = (cc.onBuild ?? []) + [trigger]
            s.config.config = cc
            s.metadataStep("ONBUILD " + trigger)
            return false
        case .cmd(let form):
            cc.cmd = commandArgv(form, shell: cc.shell)
            s.config.config = cc
            s.cmdSet = true
            let text = "CMD " + ((try? JSONCoding.encode(cc.cmd ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "")
            s.metadataStep(text)
            return false
        case .entrypoint(let form):
            cc.entrypoint = commandArgv(form, shell: cc.shell)
            if !s.cmdSet { cc.cmd = nil }  // an inherited CMD goes with a new ENTRYPOINT, as in Docker
            s.config.config = cc
            let text = "ENTRYPOINT " + ((try? JSONCoding.encode(cc.entrypoint ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "")
            s.metadataStep(text)
            return false
        case .run(let form, let network, let heredocs, let mounts):
            return try runStep(form, network: network, heredocs: heredocs, mounts: mounts, state: &s, opts: opts,
                               context: context, earlier: earlier, df: df, stage: stage)
        case .copy(let spec):
            return try copyStep(spec, add: false, state: &s, lex: lex, opts: opts, context: context, earlier: earlier, df: df, stage: stage)
        case .add(let spec):
            return try copyStep(spec, add: true, state: &s, lex: lex, opts: opts, context: context, earlier: earlier, df: df, stage: stage)
        }
    }

    func commandArgv(_ form: CommandForm, shell: [String]?) -> [String] {
        switch form {
        case .exec(let a): return a
        case .shell(let c): return (shell ?? ["/bin/sh", "-c"]) + [c]
        }
    }

    /// TARGETPLATFORM and friends, when a stage declares them.
    static func automaticArg(_ name: String) -> String? {
        let arch = hostArchitecture
        switch name {
        case "TARGETPLATFORM", "BUILDPLATFORM": return "linux/" + arch
        case "TARGETOS", "BUILDOS": return "linux"
        case "TARGETARCH", "BUILDARCH": return arch
        case "TARGETVARIANT", "BUILDVARIANT": return ""
        default: return nil
        }
    }

    /// A step that makes a layer: a cache hit, or `fill` writes the layer's
    /// files into a directory that becomes the new image's top layer.
    func layerStep(_ s: inout BuildState, createdBy: String, opts: BuildOptions, fill: @escaping (String) throws -> Void) throws -> Bool {
        let parentImage = s.image
        return try cachedStep(&s, opts: opts) { config in
            try store.lockShared()
            let tmp = try store.makeTempDir()
            defer { try? FileTree.remove(path: tmp) }
            let layerDir = tmp + "/layer"
            guard mkdir(layerDir, 0o755) == 0 else { throw HiveError.errno("cannot create \(layerDir)") }
            try fill(layerDir)
            var c = config
            var h = c.history ?? []
            h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0"))
            c.history = h
            return try makeImage(parent: parentImage, config: c) { fd in try BuildFiles.writeTar(layerDir, to: fd) }
        }
    }
}
