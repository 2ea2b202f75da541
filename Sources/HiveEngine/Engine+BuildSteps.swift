// The build steps that make layers: RUN (a container on hive's own
// launcher, its writable layer committed) and COPY/ADD (files written
// straight into a new layer), with the context, .dockerignore and the
// file helpers they share. Sources never resolve outside their root.
import CHiveShims
import Glibc
import HiveArchive
import HiveBuild
import HiveOCI
import HiveRuntime
import HiveStore

/// The build context directory and its .dockerignore.
struct BuildContext {
    let dir: String
    let ignore: DockerIgnore

    init(dir: String, dockerfileName: String) throws {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(dir, &buf) != nil else { throw HiveError.errno("cannot use the build context \(dir)") }
        self.dir = String(cString: buf)
        var st = stat()
        guard stat(self.dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw HiveError(.invalidArgument, "the build context \(dir) is not a directory")
        }
        let base = dockerfileName.split(separator: "/").last.map(String.init) ?? "Dockerfile"
        let text = Files.readText(self.dir + "/" + base + ".dockerignore") ?? Files.readText(self.dir + "/.dockerignore") ?? ""
        ignore = DockerIgnore(text)
    }
}

enum BuildFiles {
    /// The file at `rel` as the image's layers show it (top layer first), nil if absent or whited out.
    static func lowerStat(_ layers: [String], _ rel: String) -> stat? {
        if rel.isEmpty { return nil }
        for l in layers {
            var st = stat()
            if lstat(l + "/" + rel, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 { return nil }
                return st
            }
        }
        return nil
    }

    /// Creates the parent directories of `rel` in the layer directory with
    /// the owner, mode and time they have in the image (0755 root if new).
    static func makeParents(_ layerDir: String, _ rel: String, lowers: [String], includeLast: Bool) throws {
        let parts = rel.split(separator: "/").map(String.init)
        let count = includeLast ? parts.count : max(0, parts.count - 1)
        var path = ""
        for i in 0..<count {
            path += (path.isEmpty ? "" : "/") + parts[i]
            var st = stat()
            if lstat(layerDir + "/" + path, &st) == 0 { continue }
            let lower = lowerStat(lowers, path)
            if let lower, (lower.st_mode & S_IFMT) != S_IFDIR {
                throw HiveError(.invalidArgument, "cannot copy into /\(path): it is not a directory in the image")
            }
            guard mkdir(layerDir + "/" + path, 0o755) == 0 else { throw HiveError.errno("cannot create /\(path)") }
            if let lower {
                chmod(layerDir + "/" + path, lower.st_mode & 0o7777)
                lchown(layerDir + "/" + path, lower.st_uid, lower.st_gid)
                var times = [lower.st_atim, lower.st_mtim]
                utimensat(AT_FDCWD, layerDir + "/" + path, &times, AT_SYMLINK_NOFOLLOW)
            }
        }
    }

    /// The directory as a layer tar (sorted, no whiteouts).
    static func writeTar(_ dir: String, to fd: Int32) throws {
        let w = try TarWriter(fd: fd)
        func walk(_ rel: String) throws {
            for name in FileTree.names(in: rel.isEmpty ? dir : dir + "/" + rel).sorted() {
                let path = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard lstat(dir + "/" + path, &st) == 0 else { continue }
                let isDir = (st.st_mode & S_IFMT) == S_IFDIR
                try w.addFromDisk(path + (isDir ? "/" : ""), diskPath: dir + "/" + path)
                if isDir { try walk(path) }
            }
        }
        try walk("")
        try w.finish()
    }

    /// Copies a file, symlink or directory tree (never following symlinks),
    /// keeping modes and times; `owner` and `mode` override when given.
    static func copy(from src: String, to dst: String, owner: (UInt32, UInt32)?, mode: mode_t?,
                     rel: String = "", ignore: DockerIgnore? = nil) throws {
        var st = stat()
        guard lstat(src, &st) == 0 else { throw HiveError.errno("cannot read \(src)") }
        let type = st.st_mode & S_IFMT
        switch type {
        case S_IFDIR:
            var existing = stat()
            if lstat(dst, &existing) != 0 {
                guard mkdir(dst, 0o700) == 0 else { throw HiveError.errno("cannot create \(dst)") }
            }
            for name in FileTree.names(in: src).sorted() {
                let childRel = rel.isEmpty ? name : rel + "/" + name
                if let ignore, ignore.excludes(childRel) { continue }
                try copy(from: src + "/" + name, to: dst + "/" + name, owner: owner, mode: mode, rel: childRel, ignore: ignore)
            }
            chmod(dst, mode ?? (st.st_mode & 0o7777))
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(src, &buf, buf.count - 1)
            guard n >= 0 else { throw HiveError.errno("cannot read the link \(src)") }
            unlink(dst)
            guard symlink(String(cString: buf), dst) == 0 else { throw HiveError.errno("cannot create the link \(dst)") }
        case S_IFREG:
            let inFD = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard inFD >= 0 else { throw HiveError.errno("cannot read \(src)") }
            defer { close(inFD) }
            unlink(dst)
            let outFD = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard outFD >= 0 else { throw HiveError.errno("cannot create \(dst)") }
            defer { close(outFD) }
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(inFD, &buf, buf.count)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw HiveError.errno("cannot read \(src)") }
                if n == 0 { break }
                var off = 0
                while off < n {
                    let m = buf.withUnsafeBytes { write(outFD, $0.baseAddress! + off, n - off) }
                    guard m > 0 else { throw HiveError.errno("cannot write \(dst)") }
                    off += m
                }
            }
            fchmod(outFD, mode ?? (st.st_mode & 0o7777))
        default:
            throw HiveError(.invalidArgument, "cannot copy \(src): only files, directories and symlinks can be copied")
        }
        let (uid, gid) = owner ?? (0, 0)
        lchown(dst, uid, gid)
        if type == S_IFREG { chmod(dst, mode ?? (st.st_mode & 0o7777)) }  // chown clears setuid bits
        var times = [st.st_atim, st.st_mtim]
        utimensat(AT_FDCWD, dst, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// A digest of what copying `path` would write (names, types, modes, sizes, contents, link targets).
    static func contentDigest(_ path: String, name: String, into h: SHA256, ignore: DockerIgnore? = nil) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw HiveError.errno("cannot read \(path)") }
        let type = st.st_mode & S_IFMT
        h.update(Array("\(name)\u{0}\(type)\u{0}\(st.st_mode & 0o7777)\u{0}\(st.st_mtim.tv_sec)\u{0}".utf8))
        switch type {
        case S_IFDIR:
            for n in FileTree.names(in: path).sorted() {
                let child = name.isEmpty ? n : name + "/" + n
                if let ignore, ignore.excludes(child) { continue }
                try contentDigest(path + "/" + n, name: child, into: h, ignore: ignore)
            }
        case S_IFLNK:
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buf, buf.count - 1)
            if n > 0 { h.update(Array(String(cString: buf).utf8)) }
        case S_IFREG:
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw HiveError.errno("cannot read \(path)") }
            defer { close(fd) }
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        default: break
        }
    }

    static func hasWildcard(_ s: String) -> Bool { s.contains("*") || s.contains("?") || s.contains("[") }

    /// Paths under `root` that `pattern` names (relative, cleaned), never outside
    /// it; `ignore` hides excluded ones (the context's .dockerignore).
    static func sources(_ pattern: String, root: String, ignore: DockerIgnore?, what: String) throws -> [String] {
        if climbsOut(pattern) { throw HiveError(.invalidArgument, "\(what) source \(pattern) is outside the build context") }
        let clean = DockerIgnore.clean(pattern)
        func visible(_ rel: String) -> Bool { ignore.map { !$0.excludes(rel) } ?? true }
        if clean.isEmpty { return [""] }
        if !hasWildcard(clean) {
            var st = stat()
            guard lstat(root + "/" + clean, &st) == 0, visible(clean) else {
                throw HiveError(.notFound, "\(what) failed: \"/\(clean)\" not found in the build context (or excluded by .dockerignore)")
            }
            return [clean]
        }
        // match element by element (Go's filepath.Match on each)
        var matches = [""]
        for comp in clean.split(separator: "/").map(String.init) {
            var next: [String] = []
            for base in matches {
                let dir = base.isEmpty ? root : root + "/" + base
                for name in FileTree.names(in: dir).sorted() where Glob.match(comp, name) {
                    let rel = base.isEmpty ? name : base + "/" + name
                    if visible(rel) { next.append(rel) }
                }
            }
            matches = next
        }
        if matches.isEmpty {
            throw HiveError(.notFound, "\(what) failed: no source files were specified (\"\(pattern)\" matches nothing in the build context)")
        }
        return matches
    }

    /// Whether a relative path's `..` elements climb above where it starts.
    static func climbsOut(_ path: String) -> Bool {
        var depth = 0
        for p in path.split(separator: "/") where p != "." {
            depth += p == ".." ? -1 : 1
            if depth < 0 { return true }
        }
        return false
    }

    /// Follows a source that is itself a symlink, staying inside `root`.
    static func resolveInRoot(_ root: String, _ rel: String) throws -> String {
        var current = rel
        for _ in 0..<32 {
            var st = stat()
            guard lstat(root + "/" + current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(root + "/" + current, &buf, buf.count - 1)
            guard n >= 0 else { return current }
            let target = String(cString: buf)
            let dir = current.split(separator: "/").dropLast().joined(separator: "/")
            let joined = target.hasPrefix("/") ? target : (dir.isEmpty ? target : dir + "/" + target)
            if climbsOut(joined) { throw HiveError(.unsafeContent, "the source \(rel) is a symlink that points outside the build context") }
            current = DockerIgnore.clean(joined)
        }
        throw HiveError(.invalidArgument, "too many levels of symbolic links in \(rel)")
    }
}

extension Engine {
    /// A step whose result is a new image: from the cache, or made by `make`.
    func cachedStep(_ s: inout BuildState, opts: BuildOptions, make: (ImageConfig) throws -> Digest) throws -> Bool {
        if !opts.noCache, let hit = try store.cachedBuildStep(s.key), try store.image(hit) != nil {
            s.image = hit
            s.config = try imageConfig(hit)
            s.dirty = false
            return true
        }
        let id = try make(s.config)
        try store.db.transaction { () throws(HiveError) in try store.recordBuildStep(s.key, image: id) }
        s.image = id
        s.config = try imageConfig(id)
        s.dirty = false
        return false
    }

    func runStep(_ form: CommandForm, network: String?, heredocs: [Heredoc], mounts: [RunMount], state s: inout BuildState,
                 opts: BuildOptions, context: BuildContext?, earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        let cc = s.config.config ?? ContainerConfig()
        var argv: [String]
        switch form {
        case .exec(let a): argv = a
        case .shell(var c):
            let trimmed = c.trimmed
            if heredocs.count == 1, trimmed == "<<" + heredocs[0].name || trimmed == "<<-" + heredocs[0].name {
                c = heredocs[0].content  // `RUN <<EOF`: the heredoc is the script
            } else {
                // other heredocs go to the shell as written: it reads them itself
                for h in heredocs { c += "\n" + h.content + h.name }
            }
            argv = (cc.shell ?? ["/bin/sh", "-c"]) + [c]
        }
        var net = network ?? opts.network
        if net == "default" { net = opts.network == "default" ? "none" : opts.network }
        if net == "default" { net = "none" }
        let env = s.env.map { "\($0.0)=\($0.1)" }
        // --mount: cache directories persist in the store; bind sources are read from the context or a stage
        var requests: [MountRequest] = []
        var unmounts: [String] = []
        var scratchDirs: [String] = []
        defer {
            for m in unmounts { umount2(m, Int32(MNT_DETACH)); rmdir(m) }
            for d in scratchDirs { try? FileTree.remove(path: d) }
        }
        var mountKey = ""
        for m in mounts {
            let target = m.target.hasPrefix("/") ? m.target : (cc.workingDir ?? "/") + "/" + m.target
            switch m.kind {
            case .tmpfs:
                requests.append(MountRequest(kind: .tmpfs, source: nil, target: target, tmpfsOptions: m.size.map { "size=" + $0 }))
                mountKey += " tmpfs:" + target
            case .cache:
                let id = m.id ?? target
                let dir = store.root + "/cache/build/" + Engine.sha256Hex(id)
                for d in [store.root + "/cache", store.root + "/cache/build", dir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
                    throw HiveError.errno("cannot create the build cache directory \(d)")
                }
                requests.append(MountRequest(kind: .bind, source: dir, target: target))
                mountKey += " cache:" + id + ":" + target
            case .bind:
                var root: String
                var digestRoot = "context"
                if let from = m.from {
                    let image: Digest?
                    if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] { image = st.image } else {
                        do { image = try resolveImage(from).id } catch { throw HiveError(.notFound, "RUN --mount from=\(from): no stage or local image of that name") }
                    }
                    let (r, u) = try mountImage(image)
                    root = r
                    if let u { unmounts.append(u) }
                    digestRoot = image?.hex ?? "scratch"
                } else if let context {
                    root = context.dir
                } else {
                    throw HiveError(.invalidArgument, "RUN --mount=type=bind needs a build context or from=")
                }
                let rel = try BuildFiles.resolveInRoot(root, try BuildFiles.sources(m.source ?? ".", root: root, ignore: context?.ignore, what: "RUN --mount")[0])
                let h = SHA256()
                try BuildFiles.contentDigest(root + "/" + rel, name: rel, into: h)
                var source = rel.isEmpty ? root : root + "/" + rel
                if m.readWrite {
                    // writes through a rw bind are discarded, as BuildKit does: the step gets a copy
                    let scratch = try store.makeTempDir()
                    scratchDirs.append(scratch)
                    try BuildFiles.copy(from: source, to: scratch + "/src", owner: nil, mode: nil)
                    source = scratch + "/src"
                }
                requests.append(MountRequest(kind: .bind, source: source, target: target, readonly: !m.readWrite))
                mountKey += " bind:" + digestRoot + ":" + target + ":" + h.finalize().hex
            case .secret, .ssh:
                throw HiveError(.invalidArgument, "RUN --mount=type=\(m.kind.rawValue) is not available")
            }
        }
        s.advance("RUN " + argv.joined(separator: "\u{0}") + " network=" + net + mountKey)
        let createdBy = "RUN " + argv.joined(separator: " ") + " # buildkit"
        let parentImage = s.image
        return try cachedStep(&s, opts: opts) { config in
            guard let image = parentImage else {
                throw HiveError(.invalidArgument, "RUN needs a filesystem with a shell; this stage is FROM scratch with no files yet")
            }
            var o = RunOptions(image: image.hex)
            o.buildStep = true
            o.entrypoint = ""
            o.command = argv
            o.env = env
            o.user = cc.user.flatMap { $0.isEmpty ? nil : $0 }
            o.workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 }
            o.network = net
            o.mounts = requests
            let (id, plan) = try createContainer(o)
            defer { try? cleanupContainer(id) }
            var p = plan
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            p.stdio = opts.showRunOutput ? (null, 1, 2) : (null, null, null)
            let pid: pid_t
            do { pid = try Launcher.launch(p) } catch let e as LaunchError {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" could not start: \(e.message)")
            }
            store.unlock()
            let status = Launcher.wait(pid, forwardSignals: true)
            guard status == 0 else {
                throw HiveError(.invalidArgument, "process \"\(argv.joined(separator: " "))\" did not complete successfully: exit code: \(status)")
            }
            var c = config
            var h = c.history ?? []
            h.append(History(created: Timestamp.now().rfc3339, createdBy: createdBy, comment: "buildkit.dockerfile.v0"))
            c.history = h
            return try makeImage(parent: image, config: c) { fd in try self.writeDiffTar(id, to: fd) }
        }
    }

    func copyStep(_ spec: CopySpec, add: Bool, state s: inout BuildState, lex: ShellLex, opts: BuildOptions, context: BuildContext?,
                  earlier: [Int: BuildState], df: Dockerfile, stage: Stage) throws -> Bool {
        let what = add ? "ADD" : "COPY"
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: s.env) }
        let cc = s.config.config ?? ContainerConfig()
        // where the files come from
        var root: String
        var fromID = "context"
        var ignore: DockerIgnore? = nil
        var unmount: String? = nil
        defer { if let m = unmount { umount2(m, Int32(MNT_DETACH)); rmdir(m) } }
        if let f = spec.from {
            let from = try expand(f)
            let image: Digest?
            if let j = stageIndex(df, from.lowercased(), before: stage.index), let st = earlier[j] {
                image = st.image
            } else if let n = Int(from), n >= stage.index {
                throw HiveError(.invalidArgument, "\(what) --from=\(from): stage \(n) is not built before this one")
            } else {
                do { image = try resolveImage(from).id } catch {
                    throw HiveError(.notFound, "\(what) --from=\(from): no stage or local image of that name")
                }
            }
            fromID = image?.hex ?? "scratch"
            (root, unmount) = try mountImage(image)
        } else if let context {
            root = context.dir
            ignore = context.ignore
        } else if spec.sources.allSatisfy({ $0.hasPrefix("<<") }) {
            root = "/nonexistent"
        } else {
            throw HiveError(.invalidArgument, "\(what) needs a build context, and `hive build -` has none (give a directory)")
        }
        // where they go
        var dest = try expand(spec.dest)
        let workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        var destIsDir = dest.hasSuffix("/") || dest == "." || spec.sources.count > 1
        if !dest.hasPrefix("/") { dest = workdir + "/" + dest }
        let destRel = DockerIgnore.clean(dest)
        let layers = try s.image.map { try store.layers(of: $0).reversed().map { store.layerDiffDir($0.chainID) } } ?? []
        // a destination that is a directory in the image receives the sources inside it
        if destRel.isEmpty { destIsDir = true }
        if let st = BuildFiles.lowerStat(layers, destRel), (st.st_mode & S_IFMT) == S_IFDIR { destIsDir = true }
        // owner and mode
        var owner: (UInt32, UInt32)? = nil
        if let c = spec.chown {
            let spec = try expand(c)
            if let u = UInt32(spec.split(separator: ":").first ?? ""), spec.split(separator: ":").count <= 2,
               spec.split(separator: ":").dropFirst().allSatisfy({ UInt32($0) != nil }) {
                owner = (u, spec.contains(":") ? UInt32(spec.split(separator: ":")[1])! : u)
            } else {
                let r = try UserResolver.resolve(spec, layers: layers)
                owner = (r.uid, spec.contains(":") ? r.gid : r.gid)
            }
        }
        let mode = spec.chmod.flatMap { mode_t($0, radix: 8) }
        // the sources, and what they hold
        var items: [(rel: String, inline: String?)] = []
        var sourceCount = 0
        // --exclude patterns hide files as .dockerignore does, relative to each source
        let excludes = try spec.excludes.map(expand)
        func filterFor(_ itemRel: String) -> DockerIgnore? {
            if excludes.isEmpty { return ignore }
            let scoped = excludes.map { itemRel.isEmpty ? $0 : itemRel + "/" + $0 }
            return DockerIgnore((ignore.map { $0.source } ?? "") + "\n" + (excludes + scoped).joined(separator: "\n"))
        }
        let filter = filterFor("")
        for raw in spec.sources {
            if raw.hasPrefix("<<"), let h = spec.heredocs.first(where: { raw == "<<" + $0.name || raw == "<<-" + $0.name }) {
                items.append((h.name, h.expand ? try expand(h.content) : h.content))
                sourceCount += 1
                continue
            }
            let src = try expand(raw)
            if add, src.hasPrefix("http://") || src.hasPrefix("https://") || src.hasPrefix("git@") {
                throw HiveError(.invalidArgument, "ADD \(src): downloading from a URL is not available (hive builds offline); download it into the context and COPY it")
            }
            for rel in try BuildFiles.sources(src, root: root, ignore: filter, what: what) {
                items.append((try BuildFiles.resolveInRoot(root, rel), nil))
                sourceCount += 1
            }
        }
        let h = SHA256()
        for item in items {
            if let inline = item.inline {
                h.update(Array("inline\u{0}\(item.rel)\u{0}\(inline)".utf8))
            } else {
                try BuildFiles.contentDigest(root + "/" + item.rel, name: item.rel, into: h, ignore: filterFor(item.rel))
            }
        }
        let ownerText = owner.map { "\($0.0):\($0.1)" } ?? "-"
        s.advance("\(what) from=\(fromID) dest=\(destRel) dir=\(destIsDir) parents=\(spec.parents) owner=\(ownerText) mode=\(spec.chmod ?? "-") content=\(h.finalize().hex)")
        let parents = spec.parents
        let createdBy = "\(what) \(spec.sources.joined(separator: " ")) \(spec.dest) # buildkit"
        let fromImport = spec.from == nil
        return try layerStep(&s, createdBy: createdBy, opts: opts) { layerDir in
            for item in items {
                var st = stat()
                let isDir = item.inline == nil && lstat(root + "/" + item.rel, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                let isArchive = add && item.inline == nil && !isDir && fromImport && BuildFiles.isArchive(root + "/" + item.rel)
                let intoDir = destIsDir || isDir || isArchive || sourceCount > 1
                let name = item.rel.split(separator: "/").last.map(String.init) ?? ""
                let keep = parents && item.inline == nil ? item.rel : name  // --parents keeps the source's path
                let targetRel = intoDir || parents ? (destRel.isEmpty ? keep : destRel + "/" + keep) : destRel
                if isDir || isArchive {
                    try BuildFiles.makeParents(layerDir, destRel, lowers: layers, includeLast: true)
                } else {
                    try BuildFiles.makeParents(layerDir, targetRel, lowers: layers, includeLast: false)
                }
                let dirRel = parents && isDir ? targetRel : destRel
                if parents && isDir { try BuildFiles.makeParents(layerDir, dirRel, lowers: layers, includeLast: true) }
                let dirTarget = dirRel.isEmpty ? layerDir : layerDir + "/" + dirRel
                if isArchive {
                    try BuildFiles.extract(root + "/" + item.rel, into: dirTarget)
                } else if isDir {
                    let filter = filterFor(item.rel)
                    for n in FileTree.names(in: root + "/" + item.rel).sorted() {
                        let rel = item.rel.isEmpty ? n : item.rel + "/" + n
                        if let filter, filter.excludes(rel) { continue }
                        try BuildFiles.copy(from: root + "/" + item.rel + "/" + n, to: dirTarget + "/" + n, owner: owner, mode: mode,
                                            rel: rel, ignore: filter)
                    }
                } else if let inline = item.inline {
                    let path = layerDir + "/" + targetRel
                    try Files.write(path, inline, mode: mode ?? 0o644)
                    if let (u, g) = owner { lchown(path, u, g) }
                } else {
                    try BuildFiles.copy(from: root + "/" + item.rel, to: layerDir + "/" + targetRel, owner: owner, mode: mode)
                }
            }
        }
    }

    /// The image's filesystem, read-only: its single layer directory, or an overlay of them.
    func mountImage(_ image: Digest?) throws -> (String, String?) {
        // no files: an empty directory, removed afterwards like a mount point
        func empty() throws -> (String, String?) {
            let dir = try store.makeTempDir()
            return (dir, dir)
        }
        guard let image else { return try empty() }
        let layers = try store.layers(of: image).reversed().map { store.layerDiffDir($0.chainID) }
        if layers.count == 1 { return (layers[0], nil) }
        if layers.isEmpty { return try empty() }
        let mnt = try store.makeTempDir()
        guard mount("overlay", mnt, "overlay", UInt(MS_RDONLY), "lowerdir=" + layers.joined(separator: ":")) == 0 else {
            throw HiveError.errno("cannot mount the image \(image.shortID) to copy from it")
        }
        return (mnt, mnt)
    }
}

extension BuildFiles {
    /// A local tar archive (plain or compressed), which ADD unpacks.
    static func isArchive(_ path: String) -> Bool {
        guard let fd = Optional(open(path, O_RDONLY | O_CLOEXEC)), fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &head, 512)
        guard n >= 4 else { return false }
        if head[0] == 0x1F && head[1] == 0x8B { return true }                       // gzip
        if head[0] == 0x42 && head[1] == 0x5A && head[2] == 0x68 { return true }     // bzip2
        if head[0] == 0xFD && head[1] == 0x37 && head[2] == 0x7A && head[3] == 0x58 { return true }  // xz
        if head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD { return true }  // zstd
        return n >= 262 && head[257] == 0x75 && head[258] == 0x73 && head[259] == 0x74 && head[260] == 0x61 && head[261] == 0x72  // ustar
    }

    /// Unpacks an archive into `dir` with the safe extractor (no escapes, no device nodes).
    static func extract(_ archive: String, into dir: String) throws {
        mkdir(dir, 0o755)
        let fd = open(archive, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot read \(archive)") }
        defer { close(fd) }
        let root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw HiveError.errno("cannot open \(dir)") }
        defer { close(root) }
        let reader = try ArchiveReader(fd: fd, name: archive)
        _ = try LayerExtractor(rootFD: root).extract(from: reader.handle)
    }
}
