// Volumes: list (filters), inspect, create, delete, prune; Docker's volume
// object from the engine's volumeJSON (what `volume inspect` prints).
import HiveEngine
import HivePlatform

extension APIServer {
    static var volumeRoutes: [APIRoute] {
        [
            APIRoute("GET", "/volumes") { call in
                let e = try call.engine()
                let list = try e.listVolumes(filters: try FilterArgs(try call.request.filterArgs(), accepted: Engine.volumeListFilters))
                return .json(.object(["Volumes": .array(list.map { e.volumeJSON($0.record) }), "Warnings": .array([])]))
            },
            APIRoute("POST", "/volumes/create") { call in
                let body = try call.request.json()
                if let d = body["Driver"]?.stringValue, !d.isEmpty, d != "local" {
                    throw HiveError(.notFound, "volume driver \"\(d)\" is not available: hive has the local driver only")
                }
                let name = body["Name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                let e = try call.engine()
                let n = try e.createVolume(name, labels: stringMap(body["Labels"], "Labels"), options: stringMap(body["DriverOpts"], "DriverOpts"))
                return .json(try e.volumeInfo(n), status: 201)
            },
            APIRoute("POST", "/volumes/prune") { call in
                let r = try call.engine().pruneVolumes(all: false, filters: try FilterArgs(try call.request.filterArgs(), accepted: Engine.volumePruneFilters))
                return .json(.object(["VolumesDeleted": r.names.isEmpty ? .null : .array(r.names.map(JSONValue.string)), "SpaceReclaimed": .int(r.reclaimed)]))
            },
            APIRoute("GET", "/volumes/{name}") { call in
                .json(try call.engine().volumeInfo(call.request.param("name")))
            },
            APIRoute("DELETE", "/volumes/{name}") { call in
                let force = try call.request.bool("force")
                do {
                    try call.engine().removeVolume(call.request.param("name"), force: force)
                } catch let e as HiveError where e.code == .notFound && force {
                    // Docker: -f on a volume that is not there is no error
                }
                return .status(204)
            },
        ]
    }

    /// A JSON object of strings (Labels, Options, DriverOpts); null or absent: empty.
    static func stringMap(_ v: JSONValue?, _ name: String) throws -> [String: String] {
        guard let v, v != .null else { return [:] }
        guard let o = v.objectValue else { throw HiveError(.invalidArgument, "\(name) must be an object of strings") }
        return try o.mapValues { (s) throws -> String in
            guard let t = s.stringValue else { throw HiveError(.invalidArgument, "\(name) must be an object of strings") }
            return t
        }
    }
}
