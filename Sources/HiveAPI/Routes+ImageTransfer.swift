// Images in and out: POST /images/create (pull, or import with fromSrc),
// POST /images/{name}/push, GET /images/{name}/get and /images/get (save),
// POST /images/load. Progress as Docker's JSON lines; the credentials a
// client sends (X-Registry-Auth) are used for that request only.
import Glibc
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRegistry

extension APIServer {
    static var imageTransferRoutes: [APIRoute] {
        [
            APIRoute("POST", "/images/create") { call in
                let req = call.request
                if let src = req.string("fromSrc"), !src.isEmpty { return try importImage(call, source: src) }
                guard let from = req.string("fromImage"), !from.isEmpty else {
                    throw HiveError(.invalidArgument, "fromImage (a pull) or fromSrc (an import) is required")
                }
                let tag = req.string("tag") ?? ""
                let text = tag.isEmpty ? from : from + (tag.hasPrefix("sha256:") ? "@" : ":") + tag
                let e = try call.engine()
                try useCredentials(call, e)
                let platform = req.string("platform").flatMap { $0.isEmpty ? nil : $0 }
                let out = ProgressStream(call.responder)
                return try out.run {
                    let r = try e.pull(text, platform: platform) { u in
                        switch u {
                        case .pulling(let what, let repository):
                            out.status("Pulling from \(repository)", id: what)
                        case .layer(let id, .downloading(let done, let total)):
                            out.status("Downloading", id: id, detail: ["current": .int(done), "total": .int(total)])
                        case .layer(let id, let phase):
                            out.status(phase.words, id: id, detail: [:])
                        }
                    }
                    out.status("Digest: " + r.digest.description)
                    out.status("Status: " + (r.upToDate ? "Image is up to date for " : "Downloaded newer image for ") + r.reference.familiar)
                }
            },
            APIRoute("POST", "/images/{name*}/push") { call in
                let name = call.request.param("name")
                let tag = call.request.string("tag") ?? ""
                // no tag: every tag of the repository, as Docker's daemon
                let all = tag.isEmpty && (try? Reference(parsing: name, defaultTag: false))?.tag == nil
                let e = try call.engine()
                try useCredentials(call, e)
                let out = ProgressStream(call.responder)
                return try out.run {
                    _ = try e.push(tag.isEmpty ? name : name + ":" + tag, allTags: all, options: PushOptions()) { n in
                        switch n {
                        case .repository(let r):
                            out.status("The push refers to repository [\(r)]")
                        case .layer(let l):
                            var detail: [String: JSONValue] = [:]
                            if case .pushing(let done, let total) = l.state { detail = ["current": .int(done), "total": .int(total)] }
                            out.status(l.state.words, id: l.id, detail: detail)
                        case .pushed(let tag, let digest, let size):
                            out.status("\(tag): digest: \(digest) size: \(size)")
                            out.send(.object(["progressDetail": .object([:]), "aux": .object([
                                "Tag": .string(tag), "Digest": .string(digest.description), "Size": .int(Int64(size)),
                            ])]))
                        }
                    }
                }
            },
            APIRoute("GET", "/images/get") { call in try save(call, call.request.strings("names")) },
            APIRoute("GET", "/images/{name*}/get") { call in try save(call, [call.request.param("name")]) },
            APIRoute("POST", "/images/load") { call in
                let fd = open(try call.request.bodyPath(), O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw HiveError.errno("cannot read the request body") }
                defer { close(fd) }
                let images = try call.engine().load(fd: fd, name: "the image archive")
                let out = ProgressStream(call.responder)
                return try out.run {
                    for i in images {
                        if i.tags.isEmpty { out.stream("Loaded image ID: \(i.id)\n") }
                        for t in i.tags { out.stream("Loaded image: \(familiarName(t))\n") }
                    }
                }
            },
        ]
    }

    /// X-Registry-Auth: the credentials this request's pull or push uses first.
    static func useCredentials(_ call: APICall, _ e: Engine) throws {
        if let (server, creds) = try Credentials.fromRegistryAuthHeader(call.request.header("X-Registry-Auth")) {
            try e.useRequestCredentials([server ?? "": creds])
        }
    }

    /// `docker import`: the body (fromSrc=-) as a layer, `repo`/`tag`, `changes`, `message`.
    static func importImage(_ call: APICall, source: String) throws -> APIReply {
        guard source == "-" else {
            throw HiveError(.invalidArgument, "cannot import from \(source): only the request body (fromSrc=-) is supported")
        }
        var o = ImportOptions(source: try call.request.bodyPath())
        if let repo = call.request.string("repo"), !repo.isEmpty {
            let tag = call.request.string("tag") ?? ""
            o.reference = tag.isEmpty ? repo : repo + ":" + tag
        }
        o.changes = call.request.strings("changes")
        o.message = call.request.string("message").flatMap { $0.isEmpty ? nil : $0 }
        let id = try call.engine().importImage(o)
        let out = ProgressStream(call.responder)
        return try out.run { out.status(id.description) }
    }

    /// `docker save`: the images as one tar, streamed as the engine writes it.
    static func save(_ call: APICall, _ names: [String]) throws -> APIReply {
        guard !names.isEmpty else { throw HiveError(.invalidArgument, "names is required: the images to save") }
        let e = try call.engine()
        for n in names { _ = try noSuchImage(n) { try e.resolveImage($0) } }
        let (rfd, wfd) = try makePipe()
        let r = call.responder
        r.startStream(contentType: "application/x-tar")
        var failed = false
        let writer = HostThread {
            do { try e.save(names, to: wfd) } catch { failed = true }
            close(wfd)
        }
        readChunks(rfd) { r.write($0) }
        close(rfd)  // a client gone: the writer's next write fails
        writer.join()
        // a tar cut short must not look whole: the connection is closed instead of ended
        if failed { r.channel.close(promise: nil) } else { r.finish() }
        return .handled
    }
}
