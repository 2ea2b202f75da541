// `hive image inspect`: Docker-compatible JSON.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageInspect {
    static let def = CommandDef(
        name: "image inspect", aliases: ["image inspect"], usage: "[OPTIONS] IMAGE [IMAGE...]",
        summary: "Display detailed information on one or more images",
        options: [.value("format", "f", "string", "Format output using a Go template or json")], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        return try Inspect.render(c) { engine, name in try json(engine, name) }
    }

    /// Docker's image inspect object.
    static func json(_ engine: Engine, _ name: String) throws -> JSONValue {
        let id = try engine.resolveImage(name).id
        let (rec, _, config) = try engine.manifestAndConfig(id)
        let cc = config.config ?? ContainerConfig()
        func strings(_ a: [String]?) -> JSONValue { a.map { .array($0.map { .string($0) }) } ?? .null }
        func set(_ d: [String: EmptyObject]?) -> JSONValue { d.map { .object($0.mapValues { _ in .object([:]) }) } ?? .null }
        var configJSON = emptyContainerConfig
        configJSON["User"] = .string(cc.user ?? "")
        configJSON["Env"] = strings(cc.env)
        configJSON["Cmd"] = strings(cc.cmd)
        configJSON["Volumes"] = set(cc.volumes)
        configJSON["WorkingDir"] = .string(cc.workingDir ?? "")
        configJSON["Entrypoint"] = strings(cc.entrypoint)
        configJSON["OnBuild"] = strings(cc.onBuild)
        configJSON["Labels"] = cc.labels.map { .object($0.mapValues { .string($0) }) } ?? .null
        if let p = cc.exposedPorts { configJSON["ExposedPorts"] = set(p) }
        if let s = cc.stopSignal { configJSON["StopSignal"] = .string(s) }
        if let s = cc.shell { configJSON["Shell"] = strings(s) }
        if let h = cc.healthcheck { configJSON["Healthcheck"] = (try? JSONValue.from(h)) ?? .null }
        let layers = try engine.store.layers(of: id)
        let dirs = layers.reversed().map { engine.store.layerDiffDir($0.chainID) }
        let lastTag = try rec.tags.compactMap { try engine.store.tagTime($0) }.max()
        return .object([
            "Id": .string(id.description),
            "RepoTags": .array(rec.tags.map { .string(familiarName($0)) }),
            // what registries know it by (set by pull and push), as Docker shows them
            "RepoDigests": .array(try engine.store.repoDigests(image: id).map { .string(familiarName($0)) }),
            "Parent": .string(rec.parent?.description ?? ""),
            "Comment": .string(config.history?.last?.comment ?? ""),
            "Created": .string(config.created ?? ""),
            "DockerVersion": .string(""),
            "Author": .string(config.author ?? ""),
            "Config": .object(configJSON),
            // what Docker's legacy builder and commit record of the container
            // an image came from: hive keeps none (Docker's values for an import)
            "Container": .string(""),
            "ContainerConfig": .object(emptyContainerConfig),
            "Architecture": .string(config.architecture),
            "Os": .string(config.os),
            "Size": .int(rec.size),
            "VirtualSize": .int(rec.size),
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object(graphData(dirs))]),
            "RootFS": .object(["Type": .string("layers"), "Layers": .array(config.rootfs.diffIDs.map { .string($0.description) })]),
            "Metadata": .object(["LastTagTime": .string(lastTag.map { Timestamp(unixNanos: $0).rfc3339 } ?? "0001-01-01T00:00:00Z")]),
        ])
    }
}

extension ImageInspect {
    /// GraphDriver.Data: the top layer's directory is UpperDir, the rest
    /// LowerDir (only with more than one, as Docker's); an image has no
    /// merged or work directory of its own in hive ("").
    static func graphData(_ dirs: [String]) -> [String: JSONValue] {
        var data: [String: JSONValue] = ["UpperDir": .string(dirs.first ?? ""), "MergedDir": .string(""), "WorkDir": .string("")]
        if dirs.count > 1 { data["LowerDir"] = .string(dirs.dropFirst().joined(separator: ":")) }
        return data
    }

    /// Docker's ContainerConfig of an image no container made.
    static let emptyContainerConfig: [String: JSONValue] = [
        "Hostname": .string(""), "Domainname": .string(""), "User": .string(""),
        "AttachStdin": .bool(false), "AttachStdout": .bool(false), "AttachStderr": .bool(false),
        "Tty": .bool(false), "OpenStdin": .bool(false), "StdinOnce": .bool(false),
        "Env": .null, "Cmd": .null, "Image": .string(""), "Volumes": .null, "WorkingDir": .string(""),
        "Entrypoint": .null, "OnBuild": .null, "Labels": .null,
    ]
}

/// `hive inspect`: images now; containers join with the container verbs.
enum Inspect {
    static let def = CommandDef(
        name: "inspect", aliases: ["inspect"], usage: "[OPTIONS] NAME|ID [NAME|ID...]",
        summary: "Return low-level information on hive objects",
        options: [
            .value("format", "f", "string", "Format output using a Go template or json"),
            .value("type", nil, "string", "Only inspect objects of the given type (container, image, volume, network)"),
            .flag("size", "s", "Display total file sizes if the type is container"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let type = c.args.value("type")
        if let t = type, !["image", "container", "volume", "network"].contains(t) {
            throw HiveError(.invalidArgument, "unsupported --type \"\(t)\" (container, image, volume or network)")
        }
        let size = c.args.flag("size")
        return try render(c) { engine, name in
            switch type {
            case "image": return try ImageInspect.json(engine, name)
            case "volume": return try engine.volumeInfo(name)
            case "network": return try engine.networkInfo(name)
            case "container": return try engine.inspectContainer(name, size: size)
            default:
                // containers first, as docker does
                if let j = try? engine.inspectContainer(name, size: size) { return j }
                do { return try ImageInspect.json(engine, name) } catch {
                    if let v = try? engine.volumeInfo(name) { return v }
                    if let n = try? engine.networkInfo(name) { return n }
                    throw HiveError(.notFound, "no such object: \(name)")
                }
            }
        }
    }

    /// Inspects every name; prints the array (or the template per object); reports each failure.
    static func render(_ c: Context, _ one: (Engine, String) throws -> JSONValue) throws -> Int32 {
        let engine = try c.engine()
        var objects: [JSONValue] = []
        var failures: [String] = []
        for name in c.args.positionals {
            do { objects.append(try one(engine, name)) } catch {
                failures.append(ErrorMapping.message(error))
            }
        }
        if let f = c.args.value("format"), f != "json" {
            let t = try Template(f)
            for o in objects { c.out.line(try t.render(o)) }
        } else {
            c.out.line(JSONValue.array(objects).serialized(indent: "    "))
        }
        c.out.flush()
        for f in failures { c.err.line("hive: " + f) }
        return failures.isEmpty ? 0 : 1
    }
}
