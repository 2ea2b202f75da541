// `hive build`'s executor: stages, instructions, and the build cache
// (DESIGN.md "build"). The engine parses options, runs the pre-build hooks,
// and hands the rest to a Builder with a BuildHost (BuildHost.swift).
//
// Each stage keeps a running cache key: the base image, then every
// instruction with its expanded arguments (and, for COPY/ADD, the content
// digest of every file copied). A step that makes a layer (RUN, COPY, ADD, a
// WORKDIR that must be created) is looked up by that key in the build cache
// (HiveStore/BuildCacheRecords.swift: records that reference layers, as
// BuildKit's, not intermediate images); a hit takes the state the step left
// before, a miss runs it and records the new state. Metadata instructions
// only change the config. Only the target stage becomes an image, made at
// its end from its state (its record keeps the config, so a cached rebuild
// gives the same image ID, even after `image prune -a` removed the image).
import HiveOCI
import HivePlatform
import HiveStore

/// One build: its options, the Dockerfile, the build context held open, and
/// the stages built so far.
public final class Builder {
    let store: Store
    let host: BuildHost
    let opts: BuildOptions
    let df: Dockerfile
    var context: BuildContext?
    /// The stages built so far, by index (FROM a stage, COPY --from, RUN --mount from=).
    var earlier: [Int: BuildState] = [:]
    /// The build cache records this build took (touched when it succeeds).
    var hits: [String] = []

    public init(store: Store, host: BuildHost, options: BuildOptions, dockerfile: Dockerfile) {
        self.store = store
        self.host = host
        self.opts = options
        self.df = dockerfile
    }

    static func sha256Hex(_ s: String) -> String {
        let h = SHA256()
        h.update(Array(s.utf8))
        return h.finalize().hex
    }

    static let predefinedArgs: Set<String> = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                                               "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]

    /// The Dockerfile of `o`, its warnings shown as progress lines; a syntax
    /// error names the file and line.
    public static func parse(_ o: BuildOptions) throws -> Dockerfile {
        let df: Dockerfile
        do { df = try Dockerfile.parse(o.dockerfileText) } catch let e as DockerfileError {
            throw HiveError(.invalidArgument, dockerfileMessage(e.message, line: e.line, file: o.dockerfileName, text: o.dockerfileText))
        }
        for w in df.warnings { o.progress("warning: \(o.dockerfileName): \(w)") }
        return df
    }

    /// `-t` names, fully qualified.
    public static func references(_ tags: [String]) throws -> [String] {
        try tags.map { (t) throws -> String in
            do { return try Reference(parsing: t).description } catch { throw HiveError(.invalidArgument, "invalid tag \"\(t)\": \(error)") }
        }
    }

    /// Builds the target stage and the stages it needs; tags the result with
    /// `tags` (fully qualified); returns the image ID.
    public func build(tags finalTags: [String]) throws -> Digest {
        guard ["none", "host", "default", "bridge"].contains(opts.network) else {
            throw HiveError(.invalidArgument, "network \"\(opts.network)\" is not available for builds (use bridge, none or host)")
        }
        // the target and the stages it needs
        let targetIndex = try Builder.targetIndex(df, target: opts.target, dockerfileName: opts.dockerfileName)
        let metaArgs = Builder.metaArgs(df, buildArgs: opts.buildArgs)
        context = try opts.contextDir.map { try BuildContext(dir: $0, dockerfileName: opts.dockerfileName) }
        let needed = Builder.neededStages(df, target: targetIndex, metaArgs: metaArgs)
        let total = needed.reduce(0) { $0 + df.stages[$1].steps.count + 1 }
        var counter = 0
        for i in needed {
            earlier[i] = try buildStage(df.stages[i], metaArgs: metaArgs, counter: &counter, total: total, isFinal: i == targetIndex)
        }
        guard let final = earlier[targetIndex], let id = final.image else {
            throw HiveError(.internal, "the build produced no image")
        }
        try store.db.transaction { () throws(HiveError) in
            for t in finalTags { try store.setTag(t, to: id) }
            try store.touchBuildRecords(hits, at: Timestamp.now().unixNanos)
        }
        opts.progress("writing image \(id.description) done")
        for t in finalTags { opts.progress("naming to \(t) done") }
        return id
    }

    static func dockerfileMessage(_ message: String, line: Int, file: String, text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let quoted = line >= 1 && line <= lines.count ? ": " + String(lines[line - 1]).trimmed : ""
        return "\(file):\(line): \(message)" + (quoted.count > 2 && quoted.count < 200 ? " (line \(line)\(quoted))" : "")
    }

    /// The index of the stage `--target` names (the last stage without one).
    static func targetIndex(_ df: Dockerfile, target: String?, dockerfileName: String) throws -> Int {
        guard let t = target else { return df.stages.count - 1 }
        guard let i = df.stages.firstIndex(where: { $0.name == t.lowercased() }) else {
            throw HiveError(.notFound, "target stage \"\(t)\" could not be found in \(dockerfileName) (stages: \(df.stages.compactMap(\.name).joined(separator: ", ")))")
        }
        return i
    }

    /// The ARGs before the first FROM: a --build-arg, else the default expanded.
    static func metaArgs(_ df: Dockerfile, buildArgs: [String: String]) -> [(String, String)] {
        var metaArgs: [(String, String)] = []
        for (k, v) in df.metaArgs {
            let lex = ShellLex(escape: df.escape)
            if let given = buildArgs[k] { metaArgs.append((k, given)) } else if let v {
                metaArgs.append((k, (try? lex.processWord(v, env: metaArgs)) ?? v))
            }
        }
        return metaArgs
    }

    /// The stages the target depends on (FROM a stage, COPY --from), in order.
    static func neededStages(_ df: Dockerfile, target: Int, metaArgs: [(String, String)]) -> [Int] {
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

    static func stageIndex(_ df: Dockerfile, _ name: String, before: Int) -> Int? {
        if let n = Int(name), n >= 0, n < before { return n }
        return df.stages[..<before].firstIndex { $0.name == name }
    }

    /// A Dockerfile error at `line`: the file, the line and its text.
    func fail(_ m: String, _ line: Int) -> HiveError {
        HiveError(.invalidArgument, Builder.dockerfileMessage(m, line: line, file: opts.dockerfileName, text: opts.dockerfileText))
    }

    // MARK: - One stage

    func buildStage(_ stage: Stage, metaArgs: [(String, String)], counter: inout Int, total: Int, isFinal: Bool) throws -> BuildState {
        let lex = ShellLex(escape: df.escape)
        counter += 1
        if let p = stage.platform {
            let arch = HostPlatform.architecture
            let platform = (try? lex.processWord(p, env: metaArgs + [("BUILDPLATFORM", "linux/" + arch),
                                                                   ("TARGETPLATFORM", "linux/" + arch)])) ?? p
            guard platform == "linux/" + arch || platform == "linux" else {
                throw fail("FROM --platform=\(platform): hive builds for this machine only (linux/\(arch))", stage.fromLine)
            }
        }
        let baseName: String
        do { baseName = try lex.processWord(stage.baseImage, env: metaArgs) } catch { throw fail(error.message, stage.fromLine) }
        opts.progress("#\(counter) [\(stage.name ?? "stage-\(stage.index)") \(counter)/\(total)] FROM \(baseName)")
        var state: BuildState
        if baseName.lowercased() == "scratch" {
            let c = ImageConfig(architecture: HostPlatform.architecture, os: "linux", rootfs: RootFS(diffIDs: []))
            state = BuildState(image: nil, config: c, key: Builder.sha256Hex("FROM scratch"))
        } else if let j = Builder.stageIndex(df, baseName.lowercased(), before: stage.index), var from = earlier[j] {
            from.args = []
            from.cmdSet = false
            from.advance("FROM stage")
            state = from
        } else {
            // missing images are pulled (and every one with --pull)
            let resolved: Digest
            if opts.pull {
                do { resolved = try host.pull(baseName, always: true) } catch {
                    throw fail("base image \"\(baseName)\" could not be pulled: \(HiveError.from(error).message)", stage.fromLine)
                }
            } else {
                do { resolved = try store.resolveImage(baseName).id } catch let e as HiveError where e.code == .notFound {
                    do { resolved = try host.pull(baseName, always: false) } catch {
                        throw fail("base image \"\(baseName)\" not found locally, and pulling it failed: \(HiveError.from(error).message)",
                                   stage.fromLine)
                    }
                } catch {
                    throw fail("base image \"\(baseName)\": \(HiveError.from(error).message)", stage.fromLine)
                }
            }
            try store.db.transaction { () throws(HiveError) in try store.touchImage(resolved, at: Timestamp.now().unixNanos) }
            var (_, manifest, config) = try store.manifestAndConfig(resolved)
            do { try host.checkBase(baseName, config) } catch { throw fail(HiveError.from(error).message, stage.fromLine) }
            config.history = config.history ?? []
            state = BuildState(image: resolved, config: config, key: Builder.sha256Hex("FROM " + resolved.hex))
            state.layers = try store.layers(of: resolved)
            state.descriptors = manifest.layers
            state.owner = resolved
        }
        // the predefined proxy arguments reach RUN without an ARG, as in Docker
        for (k, v) in opts.buildArgs.sorted(by: { $0.key < $1.key }) where Builder.predefinedArgs.contains(k) {
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
                let cached = try apply(step, to: &state, lex: lex, stage: stage)
                if cached { opts.progress("#\(counter) CACHED") } else if Builder.makesLayer(step.instruction) {
                    opts.progress("#\(counter) DONE \(Builder.seconds(Timestamp.now().unixNanos - started))")
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
        if isFinal && (state.dirty || state.image == nil) {
            state.advance("IMAGE")
            state.image = try finalImage(state)
            state.dirty = false
        }
        return state
    }

    /// The target stage's image, made from its state: the one its record
    /// made before if it is still there, or made again from the record's
    /// config (the same ID), or made now and recorded.
    func finalImage(_ state: BuildState) throws -> Digest {
        try store.lockShared()
        if !opts.noCache, let r = try store.buildRecord(state.key) {
            hits.append(r.key)
            if let id = r.image, try store.image(id) != nil { return id }
            let config = try JSONCoding.decode(ImageConfig.self, from: Array(r.configJSON.utf8))
            let id = try store.commitBuiltImage(config: config, layers: r.layers, descriptors: r.descriptors)
            try store.db.transaction { () throws(HiveError) in try store.setBuildRecordImage(r.key, image: id) }
            return id
        }
        var config = state.config
        let now = Timestamp.now()
        config.created = now.rfc3339
        if config.architecture.isEmpty { config.architecture = HostPlatform.architecture }
        if config.os.isEmpty { config.os = "linux" }
        let id = try store.commitBuiltImage(config: config, layers: state.layers, descriptors: state.descriptors)
        let json = String(decoding: try JSONCoding.encode(config), as: UTF8.self)
        try store.db.transaction { () throws(HiveError) in
            try store.recordBuildStep(BuildCacheRecord(key: state.key, description: "exporting to image", configJSON: json, layers: state.layers,
                                                       descriptors: state.descriptors, layer: nil, image: id, created: now.unixNanos,
                                                       lastUsed: now.unixNanos))
        }
        return id
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
}
