// A ContainerRequest's JSON form, the pre-create hook context: what `hive
// run`/`create` asked for, as hooks see it, and the checked way back from
// what they left (DESIGN.md "Hooks": the Swift side validates what comes
// back). The engine fires the hooks; this is only the format.
import Glibc
import HivePlatform

extension ContainerRequest {
    /// The fields of a pre-create context; HiveHooks' `HookEvent.preCreate.mutableFields` says which may change.
    public var hookContext: JSONValue {
        var res: [String: JSONValue] = [:]
        if let m = resources.memory { res["memory"] = .int(m) }
        if let c = resources.cpus { res["cpus"] = .double(c) }
        if let p = resources.pidsLimit { res["pids_limit"] = .int(p) }
        return .object([
            "name": .string(name ?? ""), "image": .string(image), "replace": .bool(replace),
            "labels": .object(labels.mapValues(JSONValue.string)),
            "env": .array(env.map(JSONValue.string)),
            "mounts": .array(mounts.map(\.hookContext)),
            "resources": .object(res),
            "network": .string(network),
            "network_aliases": .array(net.aliases.map(JSONValue.string)),
            "ports": .array(net.ports.map(JSONValue.string)),
            "dns": .object([
                "servers": .array(net.dns.map(JSONValue.string)), "search": .array(net.dnsSearch.map(JSONValue.string)),
                "options": .array(net.dnsOptions.map(JSONValue.string)),
            ]),
            "extra_hosts": .array(extraHosts.map(JSONValue.string)),
            "devices": .array(devices.map(JSONValue.string)),
            "security": .object([
                "privileged": .bool(privileged), "read_only": .bool(readOnly),
                "cap_add": .array(capAdd.map(JSONValue.string)), "cap_drop": .array(capDrop.map(JSONValue.string)),
                "security_opt": .array(securityOpts.map(JSONValue.string)),
            ]),
            "command": .array(command.map(JSONValue.string)),
            "entrypoint": entrypoint.map(JSONValue.string) ?? .null,
            "user": user.map(JSONValue.string) ?? .null,
            "workdir": workdir.map(JSONValue.string) ?? .null,
            "auto_remove": .bool(remove), "tty": .bool(tty),
        ])
    }

}

extension MountRequest {
    /// One entry of a pre-create context's `mounts`.
    public var hookContext: JSONValue {
        var o: [String: JSONValue] = ["type": .string(kind.rawValue), "target": .string(target), "readonly": .bool(readonly)]
        if let s = source { o["source"] = .string(s) }
        if kind == .bind, let s = source {
            for (k, v) in MountRequest.hostSource(s) { o[k] = v }
        }
        if let t = tmpfsOptions { o["options"] = .string(t) }
        return .object(o)
    }

    /// What a bind source is on the host, for policies (which cannot stat):
    /// `source_kind` (directory, file, socket, char-device, block-device,
    /// fifo, other, missing) and `source_path`, the path with every symlink
    /// followed, as the mount will take it.
    static func hostSource(_ path: String) -> [String: JSONValue] {
        var st = stat()
        guard stat(path, &st) == 0 else { return ["source_kind": .string("missing")] }
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFDIR: kind = "directory"
        case S_IFREG: kind = "file"
        case S_IFSOCK: kind = "socket"
        case S_IFCHR: kind = "char-device"
        case S_IFBLK: kind = "block-device"
        case S_IFIFO: kind = "fifo"
        default: kind = "other"
        }
        var out: [String: JSONValue] = ["source_kind": .string(kind)]
        out["source_path"] = .string(ContainerPlanner.canonicalPath(path))  // as the launch plan will name it
        return out
    }
}

extension ContainerRequest {
    /// Takes the hooks' changes back, refusing values of the wrong shape.
    public mutating func apply(hookContext c: JSONValue) throws {
        func bad(_ field: String, _ want: String) -> HiveError {
            HiveError(.denied, "a pre-create hook set \(field) to an invalid value (\(want))")
        }
        func strings(_ v: JSONValue?, _ field: String) throws -> [String] {
            guard let a = v?.arrayValue else { throw bad(field, "a list of strings") }
            return try a.map { e in
                guard let s = e.stringValue else { throw bad(field, "a list of strings") }
                return s
            }
        }
        guard let name = c["name"]?.stringValue else { throw bad("name", "a string") }
        self.name = name.isEmpty ? nil : name
        guard let image = c["image"]?.stringValue, !image.isEmpty else { throw bad("image", "an image reference") }
        self.image = image
        guard case .bool(let rep)? = c["replace"] else { throw bad("replace", "true or false") }
        replace = rep
        guard let labels = c["labels"]?.objectValue else { throw bad("labels", "a table of strings") }
        self.labels = try labels.mapValues { v in
            guard let s = v.stringValue else { throw bad("labels", "a table of strings") }
            return s
        }
        env = try strings(c["env"], "env")
        guard env.allSatisfy({ $0.contains("=") }) else { throw bad("env", "KEY=VALUE strings") }
        guard let ms = c["mounts"]?.arrayValue else { throw bad("mounts", "a list of {type, source, target, readonly}") }
        mounts = try ms.map { m in
            guard let kind = m["type"]?.stringValue.flatMap(MountRequest.Kind.init(rawValue:)),
                  let target = m["target"]?.stringValue, target.hasPrefix("/") else {
                throw bad("mounts", "each needs type bind|volume|tmpfs and an absolute target")
            }
            var r = MountRequest(kind: kind, source: m["source"]?.stringValue, target: target)
            if case .bool(let ro)? = m["readonly"] { r.readonly = ro }
            r.tmpfsOptions = m["options"]?.stringValue
            if kind == .bind, r.source?.hasPrefix("/") != true { throw bad("mounts", "a bind mount needs an absolute source") }
            return r
        }
        guard let res = c["resources"]?.objectValue else { throw bad("resources", "a table") }
        // the fields the context carries come from it; the rest (swap, shares, cpuset) stay
        var r = resources
        r.memory = nil
        r.cpus = nil
        r.pidsLimit = nil
        if let m = res["memory"] {
            guard let v = m.intValue, v >= 6 << 20 else { throw bad("resources.memory", "bytes, at least 6 MiB") }
            r.memory = v
        }
        if let cpu = res["cpus"] {
            let v: Double? = { if case .double(let d) = cpu { return d }; return cpu.intValue.map(Double.init) }()
            guard let v, v > 0 else { throw bad("resources.cpus", "a number above 0") }
            r.cpus = v
        }
        if let p = res["pids_limit"] {
            guard let v = p.intValue else { throw bad("resources.pids_limit", "an integer") }
            r.pidsLimit = v > 0 ? v : nil
        }
        resources = r
        guard let mode = c["network"]?.stringValue, (try? NetworkMode.parse(mode)) != nil else {
            throw bad("network", "bridge, none, host, a network's name or container:NAME")
        }
        network = mode
        try applyNetwork(hookContext: c, bad: bad, strings: strings)
        extraHosts = try strings(c["extra_hosts"], "extra_hosts")
        guard let sec = c["security"]?.objectValue else { throw bad("security", "a table") }
        guard case .bool(let priv)? = sec["privileged"], case .bool(let ro)? = sec["read_only"] else {
            throw bad("security", "privileged and read_only are true or false")
        }
        privileged = priv
        readOnly = ro
        capAdd = try strings(sec["cap_add"], "security.cap_add")
        capDrop = try strings(sec["cap_drop"], "security.cap_drop")
        securityOpts = try strings(sec["security_opt"], "security.security_opt")
    }
}

extension ContainerRequest {
    /// The network fields a pre-create hook may change: aliases, `-p` values, DNS.
    /// Each is checked here as the flags are (a hook's text cannot inject a line
    /// into a hosts or resolv.conf file); ports are parsed again when the container attaches.
    mutating func applyNetwork(hookContext c: JSONValue, bad: (String, String) -> HiveError,
                               strings: (JSONValue?, String) throws -> [String]) throws {
        func plain(_ s: String) -> Bool { !s.isEmpty && !s.contains(where: { $0 == "\n" || $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\0" }) }
        if c["network_aliases"] != nil {
            let aliases = try strings(c["network_aliases"], "network_aliases")
            guard aliases.allSatisfy({ DockerNames.isValidNetworkName($0) }) else { throw bad("network_aliases", "names of letters, digits, _ . -") }
            net.aliases = aliases
        }
        if c["ports"] != nil {
            let ports = try strings(c["ports"], "ports")
            guard ports.allSatisfy(plain) else { throw bad("ports", "-p values such as 8080:80/tcp") }
            net.ports = ports
        }
        if let dns = c["dns"] {
            guard dns.objectValue != nil else { throw bad("dns", "a table of servers, search and options") }
            let servers = try strings(dns["servers"] ?? .array([]), "dns.servers")
            let search = try strings(dns["search"] ?? .array([]), "dns.search")
            let options = try strings(dns["options"] ?? .array([]), "dns.options")
            guard (servers + search + options).allSatisfy(plain) else { throw bad("dns", "words without spaces or newlines") }
            guard servers.allSatisfy({ IPAddress($0) != nil }) else {
                throw bad("dns.servers", "IP addresses")
            }
            net.dns = servers
            net.dnsSearch = search
            net.dnsOptions = options
        }
    }
}
