// Containers: list, inspect, create, start, stop, kill, restart, wait,
// delete, rename, pause, unpause, top, stats, changes, update, export,
// archive (GET, HEAD, PUT) and prune, as Docker answers them. Every one is
// the engine's verb the CLI calls (ps's filter, inspect's renderer, the
// run request of create's flags). `POST /containers/{id}/resize` is with
// the streams' routes (Routes+Streams.swift).
import Glibc
import HiveEngine
import HivePlatform
import HiveRuntime
import HiveStore

extension APIServer {
    static var containerRoutes: [APIRoute] {
        [
            APIRoute("GET", "/containers/json", listContainers),
            APIRoute("GET", "/containers/{id}/json") { call in
                .json(try call.engine().inspectContainer(call.request.param("id"), size: try call.request.bool("size")))
            },
            APIRoute("POST", "/containers/create", createContainer),
            APIRoute("POST", "/containers/prune") { call in
                let e = try call.engine()
                let filters = try FilterArgs(filterList(call), accepted: Engine.containerPruneFilters)
                // the writable layers' sizes before they go (SpaceReclaimed)
                let sizes = Dictionary(try e.listContainers().filter { $0.state == "exited" || $0.state == "created" }
                    .map { ($0.id, e.writableSize($0.id)) }, uniquingKeysWith: { a, _ in a })
                let ids = try e.pruneContainers(filters: filters)
                return .json(.object(["ContainersDeleted": ids.isEmpty ? .null : .array(ids.map(JSONValue.string)),
                                      "SpaceReclaimed": .int(ids.reduce(0) { $0 + (sizes[$1] ?? 0) })]))
            },
            APIRoute("POST", "/containers/{id}/start") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                if e.isRunning(ref) { return .status(304) }
                _ = try e.startDetached(ref)
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/stop") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                if !e.isRunning(ref) {
                    _ = try e.inspectContainer(ref)  // 404 for a container that is not there
                    return .status(304)
                }
                try e.stop(ref, timeout: try timeout(call), signal: call.request.string("signal"))
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/restart") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                try e.stop(ref, timeout: try timeout(call), signal: call.request.string("signal"))
                _ = try e.startDetached(ref)
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/kill") { call in
                let signal = call.request.string("signal").flatMap { $0.isEmpty ? nil : $0 } ?? "KILL"
                try call.engine().killContainer(call.request.param("id"), signal: signal)
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/wait", waitContainer),
            APIRoute("DELETE", "/containers/{id}") { call in
                if try call.request.bool("link") {
                    throw HiveError(.invalidArgument, "legacy links are not supported: there is no link to remove")
                }
                try call.engine().removeContainer(call.request.param("id"), force: try call.request.bool("force"), volumes: try call.request.bool("v"))
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/rename") { call in
                guard let name = call.request.string("name"), !name.isEmpty else {
                    throw HiveError(.invalidArgument, "rename needs a name: POST /containers/{id}/rename?name=NEW")
                }
                try call.engine().renameContainer(call.request.param("id"), to: name.hasPrefix("/") ? String(name.dropFirst()) : name)
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/pause") { call in
                try call.engine().pause(call.request.param("id"), true)
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/unpause") { call in
                try call.engine().pause(call.request.param("id"), false)
                return .status(204)
            },
            APIRoute("GET", "/containers/{id}/top") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                guard let args = call.request.string("ps_args"), !args.isEmpty else {
                    let rows = try e.top(ref)
                    return .json(.object(["Titles": .array(["UID", "PID", "CMD"].map(JSONValue.string)),
                                          "Processes": .array(rows.map { .array([.string($0.0), .string($0.1), .string($0.2)]) })]))
                }
                let lines = try e.top(ref, psOptions: args.split(separator: " ").map(String.init))
                let titles = lines.first.map { $0.split(separator: " ").map(String.init) } ?? []
                let rows = lines.dropFirst().map { line -> JSONValue in
                    // the last column (the command) keeps its spaces, as Docker splits ps's output
                    let fields = line.split(separator: " ", maxSplits: max(0, titles.count - 1)).map(String.init)
                    return .array(fields.map(JSONValue.string))
                }
                return .json(.object(["Titles": .array(titles.map(JSONValue.string)), "Processes": .array(rows)]))
            },
            APIRoute("GET", "/containers/{id}/stats", stats),
            APIRoute("GET", "/containers/{id}/changes") { call in
                let kinds: [Character: Int64] = ["C": 0, "A": 1, "D": 2]
                let changes = try call.engine().diff(call.request.param("id"))
                return .json(changes.isEmpty ? .null : .array(changes.map { .object(["Path": .string($0.1), "Kind": .int(kinds[$0.0] ?? 0)]) }))
            },
            APIRoute("POST", "/containers/{id}/update") { call in
                let body = try call.request.json()
                let u = try ContainerCreateBody.resourceUpdate(body)
                let policy = try ContainerCreateBody.restart(try ContainerCreateBody.object(body, "RestartPolicy"))
                let restart = try policy.map { try RestartPolicy(parsing: $0) }
                    ?? (body["RestartPolicy"]?["Name"]?.stringValue == "no" ? RestartPolicy() : nil)
                try call.engine().update(call.request.param("id"), u, restart: restart)
                return .json(.object(["Warnings": .array([])]))
            },
            APIRoute("GET", "/containers/{id}/export") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                _ = try e.inspectContainer(ref)  // 404 before the stream starts
                try stream(call, contentType: "application/x-tar") { fd in try e.export(ref, to: fd) }
                return .handled
            },
            APIRoute("GET", "/containers/{id}/archive") { call in
                let e = try call.engine()
                let ref = call.request.param("id")
                guard let path = call.request.string("path"), !path.isEmpty else {
                    throw HiveError(.invalidArgument, "archive needs a path: ?path=/PATH/IN/CONTAINER")
                }
                let stat = Base64.encode(Array(try e.pathStat(ref, path: path).serialized().utf8))
                let header = [("X-Docker-Container-Path-Stat", stat)]
                if call.request.method == "HEAD" {
                    call.responder.send(status: 200, body: [], contentType: nil, headers: header)
                    return .handled
                }
                try stream(call, contentType: "application/x-tar", headers: header) { fd in try e.copyOut(ref + ":" + path, to: fd) }
                return .handled
            },
            APIRoute("PUT", "/containers/{id}/archive") { call in
                let e = try call.engine()
                guard let path = call.request.string("path"), !path.isEmpty else {
                    throw HiveError(.invalidArgument, "archive needs a path: ?path=/DIR/IN/CONTAINER")
                }
                let body = try call.request.bodyPath()
                let fd = open(body, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw HiveError.errno("cannot read the request body") }
                defer { close(fd) }
                try e.copyIn(from: fd, to: call.request.param("id") + ":" + path, archive: try call.request.bool("copyUIDGID"))
                return .status(200)
            },
        ]
    }

    /// `t` (or `timeout`, API 1.42+): seconds before SIGKILL; nil: the container's own.
    static func timeout(_ call: APICall) throws -> Int? {
        guard let t = try call.request.int("t") ?? call.request.int("timeout") else { return nil }
        return t < 0 ? Int(Int32.max) : t
    }

    /// The `filters` query as `key=value` arguments (ps's `--filter`).
    static func filterList(_ call: APICall) throws -> [String] {
        try call.request.filters().sorted { $0.key < $1.key }.flatMap { k, vs in vs.map { k + "=" + $0 } }
    }

    /// `GET /containers/json?all&limit&size&filters`: ps's summary, its
    /// filter, and one listing read for the rest (no inspect per container).
    static func listContainers(_ call: APICall) throws -> APIReply {
        let e = try call.engine()
        var all = try e.listContainers()
        var showAll = try call.request.bool("all")
        if let n = try call.request.int("limit"), n > 0 {
            all = Array(all.prefix(n))
            showAll = true
        }
        let filter = try ContainerFilter(try filterList(call), engine: e, all: all)
        if filter.impliesAll { showAll = true }
        let shown = all.filter { c in
            if !showAll && c.state != "running" && c.state != "paused" && c.state != "restarting" { return false }
            return filter.matches(c, filter.needsDetails ? e.details(c) : nil)
        }
        let listings = try e.containerListings(Set(shown.map(\.id)), size: try call.request.bool("size"))
        return .json(.array(shown.map { ContainerSummaryJSON.item($0, listings[$0.id]) }))
    }

    /// `POST /containers/create?name&platform`: the body as run's flags; a
    /// missing image is Docker's 404 `No such image` (the docker CLI pulls then).
    static func createContainer(_ call: APICall) throws -> APIReply {
        let e = try call.engine()
        let config = try e.config()
        let body: [String: JSONValue]
        do { body = try call.request.json() } catch let err as HiveError {
            throw HiveError(.invalidArgument, "invalid container config: \(err.message)")
        }
        var warnings: [JSONValue] = []
        let o = try ContainerCreateBody.options(body, name: call.request.string("name"), platform: call.request.string("platform"),
                                                defaults: .init(network: config.containers.defaultNetwork, pidsLimit: config.containers.pidsLimit),
                                                warn: { warnings.append(.string($0)) })
        do { _ = try e.resolveImage(o.image) } catch let err as HiveError where err.code == .notFound {
            throw HiveError(.notFound, "No such image: \(o.image)")
        }
        let (id, _) = try e.createContainer(o)
        return .json(.object(["Id": .string(id), "Warnings": .array(warnings)]), status: 201)
    }

    /// `POST /containers/{id}/wait?condition=`: the head at once (the docker
    /// CLI waits before it starts the container), the status when the condition holds.
    static func waitContainer(_ call: APICall) throws -> APIReply {
        let e = try call.engine()
        let ref = call.request.param("id")
        let condition = call.request.string("condition") ?? "not-running"
        _ = try e.inspectContainer(ref)  // 404 before the head
        guard ["not-running", "next-exit", "removed", ""].contains(condition) else {
            throw HiveError(.invalidArgument, "invalid condition: \"\(condition)\" (not-running, next-exit or removed)")
        }
        let r = call.responder
        r.startStream(contentType: "application/json")
        var failure: JSONValue = .null
        var code: Int32 = -1
        do {
            guard let c = try e.waitCondition(ref, condition: condition, cancelled: { r.isClosed }) else { r.finish(); return .handled }
            code = c
        } catch {
            failure = .object(["Message": .string(HiveError.render(HiveError.from(error)))])
        }
        r.writeJSONLine(.object(["StatusCode": .int(Int64(code)), "Error": failure]))
        r.finish()
        return .handled
    }

    /// `GET /containers/{id}/stats?stream&one-shot`: Docker's stats JSON, one
    /// (with a reading 0.5 s before it, for CPU %; none with one-shot) or one a second.
    static func stats(_ call: APICall) throws -> APIReply {
        let e = try call.engine()
        let ref = call.request.param("id")
        let streaming = try call.request.bool("stream", default: true)
        let oneShot = try call.request.bool("one-shot")
        func read() throws -> (StatsSample, Int64)? {
            guard let s = try e.statsFrame(named: [ref], all: true, strict: true).first?.1 else { return nil }
            return (s, Timestamp.now().unixNanos)
        }
        guard var previous = try read() else { throw HiveError(.notFound, "No such container: \(ref)") }
        if !streaming {
            if oneShot { return .json(ContainerSummaryJSON.stats(previous.0, pre: nil, read: previous.1, preread: nil)) }
            usleep(500_000)
            guard let now = try read() else { throw HiveError(.notFound, "No such container: \(ref)") }
            return .json(ContainerSummaryJSON.stats(now.0, pre: previous.0, read: now.1, preread: previous.1))
        }
        let r = call.responder
        r.startStream(contentType: "application/json")
        var first = true
        while !r.isClosed {
            if !first { usleep(1_000_000) }
            guard let now = try? read() else { break }
            let line = ContainerSummaryJSON.stats(now.0, pre: first ? nil : previous.0, read: now.1, preread: first ? nil : previous.1)
            guard r.writeJSONLine(line) else { break }
            previous = now
            first = false
        }
        r.finish()
        return .handled
    }

    /// A body made by `produce` writing to a pipe (a tar of the container's
    /// files), streamed to the client as it comes; `produce` runs on its own
    /// thread and ends when the client goes (its writes fail).
    static func stream(_ call: APICall, contentType: String, headers: [(String, String)] = [], _ produce: @escaping (Int32) throws -> Void) throws {
        let (rfd, wfd) = try makePipe()
        let producer = HostThread {
            try? produce(wfd)
            close(wfd)
        }
        let r = call.responder
        r.startStream(contentType: contentType, headers: headers)
        readChunks(rfd) { r.write($0) }
        close(rfd)  // the producer's next write fails: it stops
        producer.join()
        r.finish()
    }
}
