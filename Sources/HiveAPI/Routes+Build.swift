// POST /build: Docker's classic builder protocol (DOCKER_BUILDKIT=0). The
// body is the context as a tar (any compression; a bare Dockerfile too),
// extracted as a stranger's tar (Engine.withArchiveContext) and built by the
// same engine build as `hive build`; progress as Docker's JSON lines
// (`Step 1/3 : FROM busybox`, RUN output, `{"aux":{"ID":...}}`,
// `Successfully built`, `Successfully tagged`). POST /build/prune; BuildKit's
// endpoints answer 501 with what to do instead.
import Glibc
import HiveBuild
import HiveEngine
import HiveOCI
import HivePlatform
import HiveRegistry
import HiveRuntime

extension APIServer {
    static let buildKitRefusal = "BuildKit is not supported by hive's Engine API: use the classic builder (DOCKER_BUILDKIT=0), or hive build"

    static var buildRoutes: [APIRoute] {
        [
            APIRoute("POST", "/build") { call in try build(call) },
            APIRoute("POST", "/build/prune") { call in
                var until: Int64? = nil
                for (k, vs) in try call.request.filters() {
                    guard k == "until" || k == "unused-for" else {
                        throw HiveError(.invalidArgument, "invalid filter '\(k)' (build cache prune takes until=DURATION)")
                    }
                    for v in vs { until = min(until ?? .max, try HumanTime.parseFilter(v)) }
                }
                let keep = try call.request.int("keep-storage").map(Int64.init)
                let r = try call.engine().pruneBuildCache(all: try call.request.bool("all"), until: until, keepStorage: keep == 0 ? nil : keep)
                return .json(.object(["CachesDeleted": r.deleted.isEmpty ? .null : .array(r.deleted.map(JSONValue.string)),
                                      "SpaceReclaimed": .int(r.reclaimed)]))
            },
            APIRoute("POST", "/session") { _ in throw APIError(501, buildKitRefusal) },
            APIRoute("GET", "/session") { _ in throw APIError(501, buildKitRefusal) },
            APIRoute("POST", "/grpc") { _ in throw APIError(501, buildKitRefusal) },
        ]
    }

    static func build(_ call: APICall) throws -> APIReply {
        let req = call.request
        if req.string("version") == "2" { throw APIError(501, buildKitRefusal) }
        if let remote = req.string("remote"), !remote.isEmpty {
            throw HiveError(.invalidArgument, "remote build contexts (\(remote)) are not supported: send the context as a tar")
        }
        let e = try call.engine()
        try e.useRequestCredentials(try Credentials.fromRegistryConfigHeader(req.header("X-Registry-Config")))
        let dockerfile = req.string("dockerfile").flatMap { $0.isEmpty ? nil : $0 } ?? "Dockerfile"
        let quiet = try req.bool("q")
        var o = BuildOptions(dockerfileText: "")
        o.dockerfileName = dockerfile.split(separator: "/").last.map(String.init) ?? dockerfile
        o.tags = req.strings("t")
        o.buildArgs = try (req.jsonQuery("buildargs")?.objectValue ?? [:]).compactMapValues(\.stringValue)
        o.labels = try stringMap(try req.jsonQuery("labels"), "labels")
        o.target = req.string("target").flatMap { $0.isEmpty ? nil : $0 }
        o.noCache = try req.bool("nocache")
        let pull = req.string("pull") ?? ""
        o.pull = !pull.isEmpty && !["0", "f", "F", "false", "False", "FALSE"].contains(pull)
        o.network = req.string("networkmode").flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        o.showRunOutput = !quiet
        o.forwardSignals = false
        let steps = try stepSettings(req)
        let tags = try o.tags.map { (t) throws -> String in
            do { return familiarName(try Reference(parsing: t).description) } catch { throw HiveError(.invalidArgument, "invalid tag \"\(t)\": \(error)") }
        }
        return try e.withArchiveContext(try call.request.bodyPath()) { dir in
            o.contextDir = dir
            o.dockerfileText = try Builder.readDockerfile(context: dir, path: dockerfile, inContext: dockerfile)
            if o.dockerfileText.isEmpty { throw HiveError(.invalidArgument, "the Dockerfile (\(dockerfile)) is empty") }
            let out = ProgressStream(call.responder)
            o.progress = quiet ? { _ in } : { line in if let s = dockerStep(line) { out.stream(s) } }
            // RUN output through a pipe, streamed as it comes
            let (rfd, wfd) = try makePipe()
            o.outputFD = wfd
            let reader = HostThread {
                readChunks(rfd) { out.stream(String(decoding: $0, as: UTF8.self)); return true }
                close(rfd)
            }
            var open = true
            func endOutput() {
                guard open else { return }
                open = false
                close(wfd)
                reader.join()
            }
            defer { endOutput() }
            return try out.run {
                let id = try e.build(o, steps: steps)
                endOutput()
                out.send(.object(["aux": .object(["ID": .string(id.description)])]))
                if quiet {
                    out.stream(id.description + "\n")
                } else {
                    out.stream("Successfully built \(id.shortID)\n")
                    for t in tags { out.stream("Successfully tagged \(t)\n") }
                }
            }
        }
    }

    /// The RUN steps' container settings the query gives (platform, extrahosts,
    /// shmsize, cgroupparent, ulimits and the limits: memory, memswap,
    /// cpushares, cpusetcpus, cpuperiod, cpuquota), as build's flags give
    /// them to the CLI; nil for none.
    static func stepSettings(_ req: APIRequest) throws -> RunOptions? {
        let platform = req.string("platform").flatMap { $0.isEmpty ? nil : $0 }
        let hosts = req.strings("extrahosts").flatMap { $0.split(separator: ",").map(String.init) }
        let shm = try req.int("shmsize") ?? 0
        let parent = req.string("cgroupparent").flatMap { $0.isEmpty ? nil : $0 }
        let ulimits = try ContainerCreateBody.ulimits(["Ulimits": try req.jsonQuery("ulimits") ?? .null])
        // the query's limits in HostConfig's words, read as create reads them (0: not set)
        var hc: [String: JSONValue] = [:]
        for (q, key) in [("memory", "Memory"), ("memswap", "MemorySwap"), ("cpushares", "CpuShares"), ("cpuperiod", "CpuPeriod"),
                         ("cpuquota", "CpuQuota")] {
            if let v = try req.int(q) { hc[key] = .int(Int64(v)) }
        }
        if let v = req.string("cpusetcpus"), !v.isEmpty { hc["CpusetCpus"] = .string(v) }
        if let v = req.string("cpusetmems"), !v.isEmpty { hc["CpusetMems"] = .string(v) }
        let limits = try ContainerCreateBody.resourceUpdate(hc)
        let anyLimit = limits != ResourceUpdate()
        guard platform != nil || !hosts.isEmpty || shm > 0 || parent != nil || !ulimits.isEmpty || anyLimit else { return nil }
        var o = RunOptions(image: "")
        o.platform = platform
        o.extraHosts = hosts
        if shm > 0 { o.isolation.shmSize = Int64(shm) }
        o.isolation.cgroupParent = parent
        o.ulimits = ulimits
        o.resources = try limits.applied(to: o.resources)
        return o
    }

    /// The builder's progress line as Docker's classic builder words it:
    /// `#2 [stage-0 2/3] RUN x` → `Step 2/3 : RUN x`; `#2 CACHED` → ` ---> Using cache`;
    /// timings and the final naming lines are left out (the route says them).
    static func dockerStep(_ line: String) -> String? {
        if line.hasPrefix("warning: ") { return line + "\n" }
        guard line.hasPrefix("#"), let space = line.firstIndex(of: " ") else { return nil }
        let rest = line[line.index(after: space)...]
        if rest == "CACHED" { return " ---> Using cache\n" }
        guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]") else { return nil }
        let bracket = rest[rest.index(after: rest.startIndex)..<close]
        guard let count = bracket.split(separator: " ").last else { return nil }
        return "Step \(count) : \(rest[rest.index(after: close)...].drop { $0 == " " })\n"
    }
}
