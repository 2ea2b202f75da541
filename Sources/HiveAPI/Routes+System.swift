// GET/HEAD /_ping, GET /version, GET /info.
import HiveEngine
import HivePlatform

extension APIServer {
    static var systemRoutes: [APIRoute] {
        [
            APIRoute("GET", "/_ping") { call in
                call.responder.send(status: 200, body: call.request.method == "HEAD" ? [] : Array("OK".utf8),
                                    contentType: "text/plain; charset=utf-8",
                                    headers: [("Cache-Control", "no-cache, no-store, must-revalidate"), ("Pragma", "no-cache"),
                                              ("Builder-Version", "1")])
                return .handled
            },
            APIRoute("POST", "/_ping") { _ in .text("OK") },
            APIRoute("GET", "/version") { _ in
                var v = EngineVersion.server(apiVersion: APIVersion.current.description, minAPIVersion: APIVersion.minimum.description).objectValue ?? [:]
                v["Platform"] = .object(["Name": .string("hive")])
                return .json(.object(v))
            },
            APIRoute("GET", "/info") { call in
                .json(try call.engine().systemInfo().dockerJSON(debug: false))
            },
        ]
    }
}
