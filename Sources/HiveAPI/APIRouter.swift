// The Engine API's routes: method and path template → handler, Docker's
// version prefix (/v1.24/ ... /v1.44/), and errors as Docker answers them
// (a status from the error's code, `{"message": "..."}`).
import HiveEngine
import HivePlatform

/// What a route answers when it does not write the response itself.
public enum APIReply {
    case json(JSONValue, status: Int = 200)
    /// A status with an empty body (204 No Content, 304 Not Modified, 201...).
    case status(Int)
    case text(String, status: Int = 200, contentType: String = "text/plain; charset=utf-8")
    /// The route answered through the responder (a stream or a hijack).
    case handled
}

/// One request being served: the request, its responder and its engine.
public final class APICall {
    public var request: APIRequest
    public let responder: APIResponder
    let settings: APIServer.Settings
    private var _engine: Engine?

    init(request: APIRequest, responder: APIResponder, settings: APIServer.Settings) {
        self.request = request
        self.responder = responder
        self.settings = settings
    }

    /// This request's engine: its own store connection (the store's locks
    /// order it against every other request and every CLI command).
    public func engine() throws -> Engine {
        if let e = _engine { return e }
        let e = try Engine(root: settings.root, runroot: settings.runroot, options: settings.engineOptions)
        _engine = e
        return e
    }

    func finish() { _engine?.flushEvents() }
}

public typealias APIHandlerFunction = (APICall) throws -> APIReply

public struct APIRoute {
    enum Segment { case literal(String), param(String), greedy(String) }
    let method: String
    let segments: [Segment]
    let handler: APIHandlerFunction

    /// `"/containers/{id}/json"`; `{name*}` takes one or more segments (image names have slashes).
    public init(_ method: String, _ template: String, _ handler: @escaping APIHandlerFunction) {
        self.method = method
        segments = template.split(separator: "/").map { s in
            if s.hasPrefix("{") && s.hasSuffix("*}") { return .greedy(String(s.dropFirst().dropLast(2))) }
            if s.hasPrefix("{") && s.hasSuffix("}") { return .param(String(s.dropFirst().dropLast())) }
            return .literal(String(s))
        }
        self.handler = handler
    }

    func match(_ parts: ArraySlice<String>, _ segs: ArraySlice<Segment>, _ params: inout [String: String]) -> Bool {
        guard let first = segs.first else { return parts.isEmpty }
        switch first {
        case .literal(let l):
            guard parts.first == l else { return false }
            return match(parts.dropFirst(), segs.dropFirst(), &params)
        case .param(let name):
            guard let p = parts.first, !p.isEmpty else { return false }
            params[name] = p
            return match(parts.dropFirst(), segs.dropFirst(), &params)
        case .greedy(let name):
            // the longest name that leaves the rest matching
            let rest = segs.dropFirst()
            var n = parts.count
            while n >= 1 {
                var p = params
                if match(parts.dropFirst(n), rest, &p) {
                    params = p
                    params[name] = parts.prefix(n).joined(separator: "/")
                    return true
                }
                n -= 1
            }
            return false
        }
    }
}

public struct APIRouter {
    var routes: [APIRoute]

    public init(_ routes: [APIRoute]) { self.routes = routes }

    /// Serves one request on its worker thread.
    func serve(_ call: APICall) {
        let r = call.responder
        do {
            var path = Substring(call.request.path)
            // the version prefix: /v1.44/containers/json
            let afterV = path.dropFirst(2)
            if path.hasPrefix("/v"), let v = APIVersion(afterV.prefix { $0 != "/" }) {
                let slash = afterV.firstIndex(of: "/") ?? path.endIndex
                if v > APIVersion.current {
                    throw HiveError(.invalidArgument, "client version \(v) is too new. Maximum supported API version is \(APIVersion.current)")
                }
                if v < APIVersion.minimum {
                    throw HiveError(.invalidArgument, "client version \(v) is too old. Minimum supported API version is \(APIVersion.minimum), please upgrade your client to a newer version")
                }
                call.request.version = v
                path = path[slash...]
            }
            let parts = path.split(separator: "/").map { percentDecode($0, plusIsSpace: false) }
            var methodAllowed = false
            for route in routes {
                var params: [String: String] = [:]
                guard route.match(parts[...], route.segments[...], &params) else { continue }
                let method = call.request.method == "HEAD" && route.method == "GET" ? "GET" : call.request.method
                guard route.method == method else { methodAllowed = true; continue }
                call.request.params = params
                reply(try route.handler(call), r, head: call.request.method == "HEAD")
                return
            }
            if methodAllowed { throw APIError(405, "method \(call.request.method) is not allowed on \(call.request.path)") }
            throw APIError(404, "page not found")
        } catch {
            if r.answered {
                // a stream already started: its end is all the client can be told
                r.finish()
                return
            }
            let (status, message) = APIRouter.status(of: error)
            r.sendError(status: status, message)
        }
    }

    func reply(_ reply: APIReply, _ r: APIResponder, head: Bool) {
        switch reply {
        case .json(let v, let status): head ? r.send(status: status, body: []) : r.sendJSON(status: status, v)
        case .status(let s): r.send(status: s, body: [], contentType: nil)
        case .text(let t, let status, let type): r.send(status: status, body: head ? [] : Array(t.utf8), contentType: type)
        case .handled: if !r.answered { r.send(status: 204, body: [], contentType: nil) }
        }
    }

    /// Docker's status for an error: 404 for what is not there, 409 for a
    /// conflict, 400 for bad input, 403 for a policy's refusal...
    static func status(of error: any Error) -> (Int, String) {
        if let e = error as? APIError { return (e.status, e.message) }
        let e = HiveError.from(error)
        let status: Int
        switch e.code {
        case .invalidArgument, .corrupt, .unsafeContent: status = 400
        case .notFound: status = 404
        case .conflict: status = 409
        case .denied: status = 403
        case .auth: status = 401
        case .unavailable: status = 503
        case .timeout: status = 504
        case .io, .internal: status = 500
        case .cannotInvoke: status = 400
        case .commandNotFound: status = 404
        }
        return (status, HiveError.render(e))
    }
}

/// An error with its own HTTP status (what has no HiveError code: 304, 405...).
public struct APIError: Error {
    public let status: Int
    public let message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }
}
