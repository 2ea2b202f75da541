// `hive push`: one tag or every tag of a repository, through HiveRegistry's
// ImagePusher with the command's registry client; the RepoDigest and a
// `push` image event (Docker's) recorded after each manifest. Progress goes
// to the caller's callback (the CLI renders it).
import HiveOCI
import HivePlatform
import HiveRegistry
import HiveStore

/// What a push reports as it goes.
public enum PushNotice: Sendable {
    /// First: the repository, fully qualified (`docker.io/library/x`).
    case repository(String)
    case layer(LayerPushEvent)
    /// A manifest pushed: its tag, digest and size.
    case pushed(tag: String, digest: Digest, size: Int)
}

extension Engine {
    /// Pushes `name` (NAME[:TAG]; every local tag of NAME with `allTags`).
    public func push(_ name: String, allTags: Bool, options: PushOptions,
                     progress: @escaping @Sendable (PushNotice) -> Void) throws -> [PushResult] {
        let ref: Reference
        do { ref = try Reference(parsing: name, defaultTag: !allTags) } catch {
            throw HiveError(.invalidArgument, "invalid reference \"\(name)\": \(error)")
        }
        if ref.digest != nil {
            throw HiveError(.invalidArgument, "cannot push \"\(name)\": push a tag (NAME:TAG), not a digest")
        }
        if allTags && ref.tag != nil {
            throw HiveError(.invalidArgument, "tag can't be used with --all-tags/-a")
        }
        progress(.repository(ref.repository))
        try store.lockShared()  // no sweep may remove a blob while it is read
        var tags: [Reference] = []
        if allTags {
            let prefix = ref.repository + ":"
            let names = try store.allImages().flatMap(\.tags).filter { $0.hasPrefix(prefix) }.sorted()
            tags = names.map { ref.withTag(String($0.dropFirst(prefix.count))) }
        } else {
            tags = [ref]
        }
        var ids: [Digest] = []
        for t in tags {
            guard let id = try store.imageID(forTag: t.description) else { tags = []; break }
            ids.append(id)
        }
        guard !tags.isEmpty else {
            throw HiveError(.notFound, "An image does not exist locally with the tag: \(ref.familiarRepository)")
        }
        let pusher = ImagePusher(client: try registry(), store: store) { progress(.layer($0)) }
        var results: [PushResult] = []
        for (t, id) in zip(tags, ids) {
            let r = try pusher.push(image: id, to: t, options: options)
            try store.setRepoDigest(image: id, repository: t.repository, digest: r.digest)
            logEvent(EventRecord(type: "image", action: "push", id: t.familiar, attributes: ["name": t.familiar]))
            progress(.pushed(tag: t.tag ?? Reference.defaultTag, digest: r.digest, size: r.size))
            results.append(r)
        }
        return results
    }
}
