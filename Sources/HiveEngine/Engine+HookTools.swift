// `hive hooks ls` and `hive hooks test`: what is registered, and a dry run
// of one event against a real container or image.
import HiveHooks
import HiveOCI
import HivePlatform
import HiveStore

public struct HookTestResult {
    public var event: String
    public var denied: String?
    public var changes: [String]
    public var messages: [String]
    public var context: JSONValue
}

extension Engine {
    public func listHooks() throws -> [Hooks.Listing] {
        try hooks().listing()
    }

    /// Runs `event`'s hooks on a context built from `container` or `image`
    /// (or a minimal one); hive.exec only says what it would run.
    public func testHook(_ eventName: String, container: String?, image: String?, name: String?, labels: [String: String]) throws -> HookTestResult {
        guard let event = HookEvent(rawValue: eventName) else {
            throw HiveError(.invalidArgument, "unknown event \"\(eventName)\" (one of \(HookEvent.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let h = try hooks()
        h.dryRun = true
        var messages: [String] = []
        let saved = h.write
        let savedLevel = h.logLevel
        h.write = { messages.append($0) }
        h.logLevel = .debug
        defer {
            h.write = saved
            h.logLevel = savedLevel
            h.dryRun = false
        }
        var ctx: JSONValue
        var subject = Hooks.Subject(image: image, labels: labels)
        switch event {
        case .preCreate:
            if let container {
                // what re-creating this container would look like
                let r = try record(container)
                var o = RunOptions(image: familiarName(r.imageName))
                o.name = r.name
                o.labels = containerSubject(r).labels
                o.env = spec(r)?.env ?? []
                ctx = o.hookContext
                subject = containerSubject(r)
            } else {
                guard let image else { throw HiveError(.invalidArgument, "pre-create needs --image IMAGE (or --container NAME)") }
                var o = RunOptions(image: image)
                o.name = name
                o.labels = labels
                ctx = o.hookContext
            }
        case .prePull:
            guard let image else { throw HiveError(.invalidArgument, "pre-pull needs --image REFERENCE") }
            ctx = .object(["reference": .string(image)])
        case .preBuild, .postBuild:
            ctx = .object(["tags": .array(image.map { [.string($0)] } ?? []), "labels": .object(labels.mapValues(JSONValue.string)),
                           "build_args": .object([:]), "network": .string("none"), "context": .string("."), "dockerfile": .string("Dockerfile")])
        case .prePrune:
            let plan = try gcCandidates(policy: try config().gc, all: true, now: Timestamp.now().unixNanos)
            ctx = .object(["candidates": .array(plan.map(\.context)), "reason": .string("test")])
        default:
            if let container {
                let r = try record(container)
                ctx = containerContext(r, extra: event == .onExit ? ["status": .int(Int64(r.exitCode ?? 0))] : event == .onStop ? ["by": .string("user")] : event == .onRemove ? ["type": .string("container")] : event == .onHealth ? healthContext(r) : [:])
                subject = containerSubject(r)
            } else if let image, event == .onRemove {
                let resolved = try resolveImage(image)
                guard let img = try store.image(resolved.id) else { throw HiveError(.notFound, "image \"\(image)\" not found locally") }
                ctx = imageContext(img)
                if case .object(var o) = ctx { o["type"] = .string("image"); ctx = .object(o) }
            } else {
                throw HiveError(.invalidArgument, "\(event.rawValue) needs --container NAME\(event == .onRemove ? " or --image IMAGE" : "")")
            }
        }
        do {
            let (out, changes) = try h.run(event, ctx, subject: subject)
            return HookTestResult(event: event.rawValue, denied: nil, changes: changes.map { "\($0.script): \($0.summary)" }, messages: messages, context: out)
        } catch {
            return HookTestResult(event: event.rawValue, denied: error.message, changes: [], messages: messages, context: ctx)
        }
    }
}
