// Containers: list, inspect, create, start, stop, kill, wait, delete.
import HiveEngine
import HivePlatform

extension APIServer {
    static var containerRoutes: [APIRoute] {
        [
            APIRoute("GET", "/containers/json") { call in
                let e = try call.engine()
                let all = try call.request.bool("all")
                let list = try e.listContainers().filter { all || $0.state == "running" || $0.state == "paused" || $0.state == "restarting" }
                return .json(.array(list.map { c in
                    .object([
                        "Id": .string(c.id), "Names": .array([.string("/" + c.name)]), "Image": .string(c.image),
                        "ImageID": .string("sha256:" + c.imageID), "Command": .string(c.command), "Created": .int(c.created / 1_000_000_000),
                        "Ports": .array([]), "Labels": .object(c.labels.mapValues(JSONValue.string)), "State": .string(c.state),
                        "Status": .string(c.status), "HostConfig": .object(["NetworkMode": .string("bridge")]),
                        "NetworkSettings": .object(["Networks": .object([:])]), "Mounts": .array([]),
                    ])
                }))
            },
            APIRoute("GET", "/containers/{id}/json") { call in
                .json(try call.engine().inspectContainer(call.request.param("id"), size: try call.request.bool("size")))
            },
            APIRoute("POST", "/containers/create") { call in
                let body = try call.request.json()
                guard let image = body["Image"]?.stringValue, !image.isEmpty else {
                    throw HiveError(.invalidArgument, "config.Image must be set: the image to create the container from")
                }
                var o = RunOptions(image: image)
                o.name = call.request.string("name").flatMap { $0.isEmpty ? nil : $0 }
                o.command = body["Cmd"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if let ep = body["Entrypoint"]?.arrayValue { o.entrypoint = ep.compactMap(\.stringValue).joined(separator: " ") }
                o.env = body["Env"]?.arrayValue?.compactMap(\.stringValue) ?? []
                o.labels = body["Labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
                o.tty = body["Tty"]?.boolValue ?? false
                o.interactive = body["OpenStdin"]?.boolValue ?? false
                o.workdir = body["WorkingDir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                o.user = body["User"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                o.hostname = body["Hostname"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                let hc = body["HostConfig"]?.objectValue ?? [:]
                o.remove = hc["AutoRemove"]?.boolValue ?? false
                if let mode = hc["NetworkMode"]?.stringValue, !mode.isEmpty, mode != "default" { o.network = mode }
                o.privileged = hc["Privileged"]?.boolValue ?? false
                let (id, _) = try call.engine().createContainer(o)
                return .json(.object(["Id": .string(id), "Warnings": .array([])]), status: 201)
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
                try e.stop(ref, timeout: try call.request.int("t") ?? call.request.int("timeout"), signal: call.request.string("signal"))
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/kill") { call in
                try call.engine().killContainer(call.request.param("id"), signal: call.request.string("signal") ?? "KILL")
                return .status(204)
            },
            APIRoute("POST", "/containers/{id}/wait") { call in
                let code = try call.engine().wait(call.request.param("id"))
                return .json(.object(["StatusCode": .int(Int64(code)), "Error": .null]))
            },
            APIRoute("DELETE", "/containers/{id}") { call in
                try call.engine().removeContainer(call.request.param("id"), force: try call.request.bool("force"), volumes: try call.request.bool("v"))
                return .status(204)
            },
        ]
    }
}
