// `hive build`: the Dockerfile parsed, the pre-build hooks given the tags,
// labels, build args and network to change (or refuse), the build run by
// HiveBuild's Builder over this engine (Engine+BuildHost.swift), the
// post-build event emitted (DESIGN.md "build").
import HiveBuild
import HiveHooks
import HiveOCI
import HivePlatform

extension Engine {
    /// Builds the Dockerfile; returns the image ID (tagged with every `-t`).
    /// `steps`: run's settings for every RUN step's container (`build -m`,
    /// `--ulimit`, ...: EngineBuildHost.stepRequest).
    public func build(_ o: BuildOptions, steps: RunOptions? = nil) throws -> Digest {
        let df = try Builder.parse(o)
        let tags = try Builder.references(o.tags)
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
        let finalTags = try Builder.references(opts.tags)
        let id = try Builder(store: store, host: EngineBuildHost(self, steps: steps), options: opts, dockerfile: df).build(tags: finalTags)
        emit(.postBuild, EventRecord(type: "image", action: "build", id: id.description, attributes: ["name": finalTags.first.map(familiarName) ?? "<none>"]),
             context: .object(["id": .string(id.description), "tags": .array(finalTags.map { .string(familiarName($0)) }),
                               "labels": .object(opts.labels.mapValues(JSONValue.string))]))
        return id
    }
}
