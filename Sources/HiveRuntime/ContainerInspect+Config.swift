// A container's inspect Config (Docker's container.Config): what it runs
// and how, the image's config merged under the container's own as Docker's
// daemon merges them at create. The spec keeps the process's argv and
// environment; the image's config tells ENTRYPOINT from CMD and hive's own
// variables (PATH, HOSTNAME, HOME) from the ones given.
import HiveOCI
import HivePlatform

extension ContainerInspect {
    static func config(_ r: State, _ s: ContainerSpec?, argv: [String]) -> JSONValue {
        let image = r.image ?? ContainerConfig()
        let (entrypoint, cmd) = split(argv, image: image, given: s?.entrypoint)
        let interactive = s?.interactive ?? false
        var volumes = (image.volumes ?? [:]).keys.sorted()
        for m in s?.mounts ?? [] where m.type == "volume" && isAnonymous(m.name ?? "") && !volumes.contains(m.destination) {
            volumes.append(m.destination)
        }
        var labels = image.labels ?? [:]
        for (k, v) in s?.labels ?? [:] { labels[k] = v }
        let cwd = s?.cwd ?? ""
        var o: [String: JSONValue] = [
            "Hostname": .string(s?.hostname ?? ""),
            "Domainname": .string(s?.isolation?.domainname ?? ""),
            "User": .string(s?.user ?? ""),
            // hive keeps no record of which streams `create` attached: Docker's
            // create without -d attaches stdout and stderr, stdin with -i
            "AttachStdin": .bool(interactive), "AttachStdout": .bool(true), "AttachStderr": .bool(true),
            "Tty": .bool(s?.tty ?? false), "OpenStdin": .bool(interactive), "StdinOnce": .bool(interactive),
            "Env": stringsOrNull(s.map { givenEnv($0.env, image: image.env ?? []) }),
            "Cmd": stringsOrNull(cmd),
            "Image": .string(r.imageName),
            "Volumes": volumes.isEmpty ? .null : .object(Dictionary(uniqueKeysWithValues: volumes.map { ($0, JSONValue.object([:])) })),
            // "/" is hive's default, not a WORKDIR or -w: Docker shows none
            "WorkingDir": .string(cwd == "/" && (image.workingDir ?? "").isEmpty ? "" : cwd),
            "Entrypoint": stringsOrNull(entrypoint),
            "OnBuild": stringsOrNull(image.onBuild),
            "Labels": .object(labels.mapValues(JSONValue.string)),
        ]
        // Docker omits these when unset (omitempty); ExposedPorts joins with the network's
        if let p = image.exposedPorts, !p.isEmpty { o["ExposedPorts"] = .object(p.mapValues { _ in .object([:]) }) }
        if let h = s?.healthcheck { o["Healthcheck"] = healthcheck(h) }
        if let v = s?.stopSignal { o["StopSignal"] = .string(v) }
        if let v = s?.stopTimeout { o["StopTimeout"] = .int(Int64(v)) }
        return .object(o)
    }

    /// ENTRYPOINT and CMD apart again: `--entrypoint` as the spec keeps it
    /// (its first word; none for `--entrypoint ""`); else an argv that starts
    /// with the image's ENTRYPOINT ran it, one that does not had an
    /// `--entrypoint` an older record did not keep (its first word).
    static func split(_ argv: [String], image: ContainerConfig, given: [String]? = nil) -> (entrypoint: [String]?, cmd: [String]?) {
        if let g = given { return (g.isEmpty ? nil : g, Array(argv.dropFirst(g.count))) }
        let e = image.entrypoint ?? []
        guard !e.isEmpty else { return (nil, argv) }
        if argv.starts(with: e) { return (e, Array(argv.dropFirst(e.count))) }
        return (Array(argv.prefix(1)), Array(argv.dropFirst()))
    }

    /// Config.Env: the image's and the given variables, without the ones hive
    /// adds to every process (as Docker's daemon adds them at start, not to
    /// Config): HOSTNAME; HOME and PATH when the image has none and the
    /// values are hive's defaults (planner: HOSTNAME then HOME come last).
    static func givenEnv(_ env: [String], image: [String]) -> [String] {
        func has(_ key: String, _ list: [String]) -> Bool { list.contains { $0.hasPrefix(key + "=") } }
        var out = env
        if out.count >= 2, out[out.count - 1].hasPrefix("HOME="), out[out.count - 2].hasPrefix("HOSTNAME="), !has("HOME", image) {
            out.removeLast()
        }
        out.removeAll { $0.hasPrefix("HOSTNAME=") }
        if !has("PATH", image) { out.removeAll { $0 == "PATH=" + defaultPath } }
        return out
    }

    /// The PATH hive (and Docker) gives a process whose image sets none.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Docker's HealthConfig as given: the spec keeps the check with Docker's
    /// defaults filled in, which Docker leaves zero and out (omitempty).
    static func healthcheck(_ h: Healthcheck) -> JSONValue {
        var o: [String: JSONValue] = ["Test": stringsOrNull(h.test)]
        for (k, v, d) in [("Interval", h.interval, HealthDefaults.interval), ("Timeout", h.timeout, HealthDefaults.timeout),
                          ("StartPeriod", h.startPeriod, 0), ("StartInterval", h.startInterval, HealthDefaults.startInterval)] {
            if let v, v != 0, v != d { o[k] = .int(v) }
        }
        if let n = h.retries, n != 0, n != HealthDefaults.retries { o["Retries"] = .int(Int64(n)) }
        return .object(o)
    }
}
