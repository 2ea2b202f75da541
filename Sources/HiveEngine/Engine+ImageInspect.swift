// Docker's image inspect object (`hive image inspect`, `GET /images/NAME/json`):
// one renderer for the CLI and the Engine API.
import HiveOCI
import HivePlatform

extension Engine {
    /// Docker's image inspect object.
    public func inspectImage(_ name: String) throws -> JSONValue {
        let engine = self
        let id = try engine.resolveImage(name).id
        let (rec, _, config) = try engine.manifestAndConfig(id)
        let cc = config.config ?? ContainerConfig()
        func strings(_ a: [String]?) -> JSONValue { a.map { .array($0.map { .string($0) }) } ?? .null }
        func set(_ d: [String: EmptyObject]?) -> JSONValue { d.map { .object($0.mapValues { _ in .object([:]) }) } ?? .null }
        var configJSON = Engine.emptyContainerConfig
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
        var out: [String: JSONValue] = [
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
            "ContainerConfig": .object(Engine.emptyContainerConfig),
            "Architecture": .string(config.architecture),
            "Os": .string(config.os),
            "Size": .int(rec.size),
            "VirtualSize": .int(rec.size),
            "GraphDriver": .object(["Name": .string("overlay"), "Data": .object(Engine.imageGraphData(dirs))]),
            "RootFS": .object(["Type": .string("layers"), "Layers": .array(config.rootfs.diffIDs.map { .string($0.description) })]),
            "Metadata": .object(["LastTagTime": .string(lastTag.map { Timestamp(unixNanos: $0).rfc3339 } ?? "0001-01-01T00:00:00Z")]),
        ]
        if let v = config.variant, !v.isEmpty { out["Variant"] = .string(v) }  // as Docker's, only when the image has one
        return .object(out)
    }

    /// GraphDriver.Data: the top layer's directory is UpperDir, the rest
    /// LowerDir (only with more than one, as Docker's); an image has no
    /// merged or work directory of its own in hive ("").
    static func imageGraphData(_ dirs: [String]) -> [String: JSONValue] {
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
