// Streams: attach (hijacked, relayed to the container's monitor), resize,
// logs (Docker's framed stream), events (JSON lines). Exec: Routes+Exec.swift.
import HiveEngine
import HivePlatform
import HiveRuntime

extension APIServer {
    static var streamRoutes: [APIRoute] {
        [
            APIRoute("POST", "/containers/{id}/attach") { call in try attach(call) },
            APIRoute("POST", "/containers/{id}/resize") { call in
                let (h, w) = (try call.request.int("h") ?? 0, try call.request.int("w") ?? 0)
                try call.engine().resizeTTY(call.request.param("id"), rows: h, columns: w)
                return .text("", contentType: "text/plain; charset=utf-8")
            },
            APIRoute("GET", "/containers/{id}/logs") { call in try logs(call) },
            APIRoute("GET", "/events") { call in try events(call) },
        ] + execRoutes
    }

    /// Docker's content type of a container's stream: raw with a tty, else
    /// (API 1.42 and later) multiplexed.
    static func streamType(tty: Bool, _ version: APIVersion) -> String {
        tty || version < APIVersion(1, 42) ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream"
    }

    /// A time parameter (`since`, `until`): unix seconds (with a fraction), RFC 3339 or a duration.
    static func time(_ call: APICall, _ key: String) throws -> Int64? {
        guard let v = call.request.string(key), !v.isEmpty else { return nil }
        return try HumanTime.parseFilter(v)
    }

    /// `POST /containers/{id}/attach?stream&stdin&stdout&stderr&logs`: hijacked;
    /// an attach before the start gets all of the output (Engine+AttachWait).
    static func attach(_ call: APICall) throws -> APIReply {
        let rq = call.request
        let e = try call.engine()
        let ref = rq.param("id")
        let target = try e.attachTarget(ref)
        var streams = AttachRelay.Streams()
        streams.stdin = try rq.bool("stdin") && target.interactive
        streams.stdout = try rq.bool("stdout")
        streams.stderr = try rq.bool("stderr")
        let follow = try rq.bool("stream"), replay = try rq.bool("logs")
        // the waiter first: the client starts the container once it hears back
        let pending = follow ? try e.beginAttach(target.id) : nil
        let stream = try call.responder.hijack(contentType: streamType(tty: target.tty, rq.version))
        do {
            if replay {
                try e.readLog(target.id, Engine.LogQuery()) { entries in
                    stream.write(frames(entries, tty: target.tty, stdout: streams.stdout, stderr: streams.stderr, stamps: false))
                }
            }
            if let pending, let (sock, primary) = try e.attachConnection(pending, cancelled: { stream.isClosed }) {
                _ = AttachRelay.run(sock: sock, stream: stream, streams: streams, primary: primary)
            }
        } catch {
            // the head is gone: the error goes where the client reads
            let text = Array(("Error: " + APIRouter.status(of: error).1 + "\n").utf8)
            stream.write(target.tty ? text : AttachProtocol.header(type: AttachProtocol.stderrFrame, length: UInt32(text.count)) + text)
        }
        stream.close()
        return .handled
    }

    /// Log entries as a container stream's bytes: framed (stream 1 or 2) without a tty, raw with one.
    static func frames(_ entries: [HiveRuntime.ContainerLog.Entry], tty: Bool, stdout: Bool, stderr: Bool, stamps: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for en in entries {
            let err = en.stream == "stderr"
            guard err ? stderr : stdout else { continue }
            let payload = Array(((stamps ? en.fixedTime + " " : "") + en.log).utf8)
            if payload.isEmpty { continue }
            if !tty { out += AttachProtocol.header(type: err ? AttachProtocol.stderrFrame : AttachProtocol.stdoutFrame, length: UInt32(payload.count)) }
            out += payload
        }
        return out
    }

    /// `GET /containers/{id}/logs?stdout&stderr&follow&since&until&timestamps&tail`.
    static func logs(_ call: APICall) throws -> APIReply {
        let rq = call.request
        let e = try call.engine()
        let target = try e.attachTarget(rq.param("id"))
        let (stdout, stderr) = (try rq.bool("stdout"), try rq.bool("stderr"))
        guard stdout || stderr else { throw HiveError(.invalidArgument, "Bad parameters: you must choose at least one stream") }
        var q = Engine.LogQuery()
        q.follow = try rq.bool("follow")
        q.tail = try rq.string("tail").flatMap(Engine.LogQuery.tail)
        q.since = try time(call, "since").flatMap { $0 > 0 ? $0 : nil }
        q.until = try time(call, "until").flatMap { $0 > 0 ? $0 : nil }
        q.idleMs = 500
        let stamps = try rq.bool("timestamps")
        let r = call.responder
        try e.readLog(target.id, q) { entries in
            // the head once the log opened (a log driver that cannot be read is a 400 before it)
            if !r.answered { r.startStream(contentType: streamType(tty: target.tty, rq.version)) }
            let bytes = frames(entries, tty: target.tty, stdout: stdout, stderr: stderr, stamps: stamps)
            return bytes.isEmpty ? !r.isClosed : r.write(bytes)
        }
        r.finish()
        return .handled
    }

    /// `GET /events?since&until&filters`: JSON lines until `until` or the client leaves.
    static func events(_ call: APICall) throws -> APIReply {
        let filters = try call.request.filters()
        for k in filters.keys.sorted() where !EventRecord.filterKeys.contains(k) {
            throw HiveError(.invalidArgument, "Invalid filter '\(k)'")
        }
        let since = try time(call, "since") ?? Timestamp.now().unixNanos
        let until = try time(call, "until")
        let e = try call.engine()
        let r = call.responder
        r.startStream(contentType: "application/json")
        try e.streamEvents(since: since, until: until, filters: filters, idleMs: 500) { events in
            for ev in events where !r.writeJSONLine(ev.json) { return false }
            return !r.isClosed
        }
        r.finish()
        return .handled
    }
}
