// COPY and ADD: sources opened inside their root (the build context, or an
// image or stage mounted read-only), their content digested into the cache
// key, and written straight into a new layer by fd, destinations resolved
// inside the image (BuildFiles.swift has the file helpers).
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform
import HiveStore

extension Builder {
    func copyStep(_ spec: CopySpec, add: Bool, state s: inout BuildState, lex: ShellLex, stage: Stage) throws -> Bool {
        let what = add ? "ADD" : "COPY"
        func expand(_ w: String) throws -> String { try lex.processWord(w, env: s.env) }
        let cc = s.config.config ?? ContainerConfig()
        // where the files come from: a directory held open, every source resolved inside it
        var root: String
        var place = "build context"
        var fromID = "context"
        var ignore: DockerIgnore? = nil
        var unmount: String? = nil
        defer { if let m = unmount { umount2(m, Int32(MNT_DETACH)); rmdir(m) } }
        if let f = spec.from {
            let from = try expand(f)
            let layers: [LayerRecord]
            (layers, fromID) = try fromLayers(from, stage: stage, what: "\(what) --from=\(from)")
            (root, unmount) = try mountLayers(layers, what: "image \(from)")
            place = "image \(from)"
        } else if let context {
            root = context.dir
            ignore = context.ignore
        } else if spec.sources.allSatisfy({ $0.hasPrefix("<<") }) {
            root = "/"  // never read: heredocs only
        } else {
            throw HiveError(.invalidArgument, "\(what) needs a build context, and `hive build -` has none (give a directory)")
        }
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw HiveError.errno("cannot open the \(place)") }
        defer { close(rootFD) }
        // where they go
        var dest = try expand(spec.dest)
        let workdir = cc.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        var destIsDir = dest.hasSuffix("/") || dest == "." || spec.sources.count > 1
        if !dest.hasPrefix("/") { dest = workdir + "/" + dest }
        let destRel = DockerIgnore.clean(dest)
        let layers = layerDirs(s.layers)
        let image = try LayerView(layers: layers)
        // a destination that is a directory in the image (or a symlink to one, resolved inside the image) receives the sources inside it
        if destRel.isEmpty { destIsDir = true }
        if try BuildFiles.resolveInImage(image, destRel, followLast: true).isDirectory { destIsDir = true }
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
        // the sources, and what they hold: each opened (O_PATH) inside its root, a symlink named
        // directly followed there; `rel` is the path as written (it names the copy)
        var items: [(rel: String, inline: String?, file: RootedFile?)] = []
        defer { for i in items { if let f = i.file { close(f.fd) } } }
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
                items.append((h.name, h.expand ? try expand(h.content) : h.content, nil))
                sourceCount += 1
                continue
            }
            let src = try expand(raw)
            if add, src.hasPrefix("http://") || src.hasPrefix("https://") || src.hasPrefix("git@") {
                throw HiveError(.invalidArgument, "ADD \(src): downloading from a URL is not available (hive builds offline); download it into the context and COPY it")
            }
            for rel in try BuildFiles.sources(src, root: rootFD, ignore: filter, what: what, place: place) {
                items.append((rel, nil, try BuildFiles.openInRoot(rootFD, rel, what: what, place: place)))
                sourceCount += 1
            }
        }
        let h = SHA256()
        for item in items {
            if let inline = item.inline {
                h.update(Array("inline\u{0}\(item.rel)\u{0}\(inline)".utf8))
            } else if let f = item.file {
                try BuildFiles.contentDigest(f, name: item.rel, into: h, ignore: filterFor(item.rel))
            }
        }
        let ownerText = owner.map { "\($0.0):\($0.1)" } ?? "-"
        s.advance("\(what) from=\(fromID) dest=\(destRel) dir=\(destIsDir) parents=\(spec.parents) owner=\(ownerText) mode=\(spec.chmod ?? "-") content=\(h.finalize().hex)")
        let parents = spec.parents
        let createdBy = "\(what) \(spec.sources.joined(separator: " ")) \(spec.dest) # buildkit"
        let fromImport = spec.from == nil
        return try layerStep(&s, createdBy: createdBy) { layerDir in
            // the layer being written, by fd, seen over the image: destinations resolve inside the image
            let layer = open(layerDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard layer >= 0 else { throw HiveError.errno("cannot open \(layerDir)") }
            defer { close(layer) }
            let target = BuildFiles.Target(layer: layer, view: try LayerView(layers: [layerDir] + layers), lowers: image)
            for item in items {
                let isDir = item.file?.isDirectory ?? false
                let archive = add && fromImport && item.file?.type == S_IFREG ? try BuildFiles.archiveContent(item.file!, name: item.rel) : nil
                defer { if let archive { close(archive) } }
                let intoDir = destIsDir || isDir || archive != nil || sourceCount > 1
                let name = item.rel.split(separator: "/").last.map(String.init) ?? ""
                let keep = parents && item.inline == nil ? item.rel : name  // --parents keeps the source's path
                let targetRel = intoDir || parents ? (destRel.isEmpty ? keep : destRel + "/" + keep) : destRel
                if isDir || archive != nil {
                    // a directory's contents (or an archive's) go into the destination directory
                    let dirRel = parents && isDir ? targetRel : destRel
                    let (dir, names) = try BuildFiles.targetDirectory(layer, dirRel, view: target.view, lowers: image)
                    defer { close(dir) }
                    if let archive {
                        try BuildFiles.extract(archive, name: item.rel, into: dir)
                        continue
                    }
                    let filter = filterFor(item.rel)
                    try BuildFiles.walk(item.file!, name: item.rel) { child in
                        let rel = item.rel.isEmpty ? child.name : item.rel + "/" + child.name
                        if let filter, filter.excludes(rel) { return }
                        try BuildFiles.copy(child, into: dir, name: child.name, parentNames: names, target: target, owner: owner, mode: mode,
                                            rel: rel, ignore: filter)
                    }
                    continue
                }
                // one entry: its directory resolved inside the image, its own name never followed
                let parentRel = targetRel.split(separator: "/").dropLast().joined(separator: "/")
                let entryName = targetRel.split(separator: "/").last.map(String.init) ?? ""
                guard !entryName.isEmpty else { throw HiveError(.invalidArgument, "\(what) \(item.rel): cannot replace the image's root directory") }
                let (dir, names) = try BuildFiles.targetDirectory(layer, parentRel, view: target.view, lowers: image)
                defer { close(dir) }
                if let inline = item.inline {
                    try BuildFiles.writeInline(inline, into: dir, name: entryName, owner: owner, mode: mode ?? 0o644)
                } else if let f = item.file {
                    try BuildFiles.copy(f, into: dir, name: entryName, parentNames: names, target: target, owner: owner, mode: mode)
                }
            }
        }
    }
}
