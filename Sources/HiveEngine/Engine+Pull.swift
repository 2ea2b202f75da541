// `hive pull`, and the pulls run/create (--pull) and build (FROM) make
// (DESIGN.md "pull"): the reference normalised as Docker does, short-name
// aliases, `pre-pull` hooks (rewrite or deny), the pull (HiveRegistry's
// ImagePuller), the `pull` event and `post-pull` hooks with the digest.
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRegistry
import HiveStore

/// When run/create pull their image (`--pull`), as Docker names it.
public enum PullPolicy: String, Sendable, CaseIterable {
    case always, missing, never

    public init(parsing text: String) throws(HiveError) {
        guard let p = PullPolicy(rawValue: text.lowercased()) else {
            throw HiveError(.invalidArgument, "invalid --pull value \"\(text)\": use always, missing or never")
        }
        self = p
    }
}

extension Engine {
    /// The reference a pull of `text` asks for: parsed as Docker does
    /// (`alpine` = docker.io/library/alpine:latest) after the short-name aliases of hive.toml.
    public func pullReference(_ text: String) throws -> Reference {
        // short names only (no registry, no path): [registries.aliases]
        let name = try registry().settings.resolveAlias(text) ?? text
        do { return try Reference(parsing: name) } catch {
            throw HiveError(.invalidArgument, name == text ? "invalid reference \"\(text)\": \(error)"
                            : "short-name alias \"\(text)\" in hive.toml names an invalid reference \"\(name)\": \(error)")
        }
    }

    /// Pulls one reference (`text` as the user typed it) for `platform`
    /// (nil: the host's): aliases, pre-pull hooks, the pull, the event and
    /// post-pull hooks. `progress` sees each step (from the pull's threads, one at a time).
    public func pull(_ text: String, platform: String? = nil, progress: @escaping PullProgress = { _ in }) throws -> PullResult {
        let want = try platform.map { (p) throws(HiveError) in try Platform(parsing: p) } ?? Platform.host
        var ref = try pullReference(text)
        if let ctx = try preHooks(.prePull, { (.object(["reference": .string(ref.description)]), Hooks.Subject(image: ref.description)) }) {
            guard let rewritten = ctx["reference"]?.stringValue else {
                throw HiveError(.denied, "a pre-pull hook removed the reference of \(ref.familiar)")
            }
            do { ref = try Reference(parsing: rewritten) } catch {
                throw HiveError(.invalidArgument, "a pre-pull hook rewrote \(ref.familiar) to an invalid reference \"\(rewritten)\": \(error)")
            }
        }
        let result = try ImagePuller(client: registry(), store: store).pull(ref, platform: want, progress: progress)
        emit(.postPull, EventRecord(type: "image", action: "pull", id: ref.familiar, attributes: ["name": ref.familiar]),
             context: .object(["reference": .string(ref.description), "id": .string(result.id.description),
                               "digest": .string(result.digest.description), "up_to_date": .bool(result.upToDate)]),
             subject: Hooks.Subject(image: ref.description))
        return result
    }

    /// Every tag of `text`'s repository (`pull -a`), sorted as the registry lists them.
    public func repositoryTags(_ text: String) throws -> [String] {
        let ref = try pullReference(text)
        guard ref.digest == nil else { throw HiveError(.invalidArgument, "--all-tags pulls every tag: give a repository without a digest") }
        return try registry().tags(RepositoryRef(ref))
    }

    /// The image a container is made from, resolved under the store's shared
    /// lock (taken here and kept: no prune or sweep between resolving the
    /// image and recording the container), pulled first as `runPull` says: a
    /// missing image under --pull missing (Docker's "Unable to find image"
    /// first), any under --pull always. A pull runs without the lock (its
    /// hooks may run hive commands that need it), so what it stored is looked
    /// up again once the lock is back: a prune may have come in between.
    func imageForRun(_ o: RunOptions) throws -> ResolvedImage {
        try store.lockShared()
        guard let p = runPull, !o.buildStep else { return try resolveImage(o.image) }
        let text = o.image
        var missing = false
        if p.policy != .always {
            do { return try resolveImage(text) } catch let e as HiveError where e.code == .notFound {
                // IDs and prefixes are not pulled; nor anything under --pull never
                guard p.policy == .missing, let ref = try? Reference(parsing: text) else {
                    throw HiveError(.notFound, "No such image: \(text) (hive pull it, or run with --pull missing)")
                }
                p.announce(ref.familiar)
                missing = true
            }
        }
        store.unlock()
        let r: PullResult
        do { r = try pull(text, platform: p.platform, progress: p.progress) } catch where missing {
            let e = HiveError.from(error)
            throw HiveError(e.code, "image \"\(text)\" not found locally, and pulling it failed: \(e.message)")
        }
        p.done(r)
        try store.lockShared()
        guard try store.image(r.id) != nil else {
            throw HiveError(.notFound, "image \"\(text)\" not found locally (it was removed while this command started; run it again)")
        }
        return ResolvedImage(id: r.id, tag: r.reference.digest == nil ? r.reference.description : nil)
    }
}

/// How run/create pull their image (the CLI sets `Engine.runPull`).
public struct RunPull {
    public var policy: PullPolicy
    public var platform: String?
    /// Before a missing image is pulled, with its familiar reference.
    public var announce: (String) -> Void
    public var progress: PullProgress
    /// After a pull (Digest, Status lines).
    public var done: (PullResult) -> Void
    public init(policy: PullPolicy, platform: String? = nil, announce: @escaping (String) -> Void = { _ in },
                progress: @escaping PullProgress = { _ in }, done: @escaping (PullResult) -> Void = { _ in }) {
        self.policy = policy
        self.platform = platform
        self.announce = announce
        self.progress = progress
        self.done = done
    }
}
