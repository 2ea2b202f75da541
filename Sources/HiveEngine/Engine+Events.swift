// Lifecycle events: every one is appended to the event log ($ROOT/events.log,
// JSON lines in Docker's event shape, read by `hive events`) and handed to
// the hook engine, which loads Lua only if a hook listens (DESIGN.md "Hooks").
import Glibc
import HiveHooks
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

/// The event log's record (HiveStore/EventLog.swift), under the name the CLI knows.
public typealias EventRecord = HiveStore.EventRecord

extension Engine {
    /// Appends one event (and the hook changes queued before it) to the event log.
    func logEvent(_ e: EventRecord) { eventLog.append(e) }

    /// Writes the records that wait (hook changes go out with the next
    /// event, in one append); the CLI calls this before it exits.
    public func flushEvents() { eventLog.flush() }

    // MARK: - Hooks

    /// The hook engine, created on the first event. A broken hive.toml is
    /// an error for pre-* events and a warning for the others.
    func hooks() throws(HiveError) -> Hooks {
        if let hookEngine { return hookEngine }
        if let hookSetupError { throw hookSetupError }
        do throws(HiveError) {
            let config = try self.config()
            let h = Hooks(config: config, hooksDirs: options.hooksDirs, cacheDir: store.root + "/cache", logLevel: Hooks.LogLevel(options.logLevel))
            h.host = self
            // failures of post-*/on-* hooks also go to the event log: the
            // monitor's cleanup has no terminal to print them on
            h.write = { [weak self] line in
                self?.logger.line(line)
                for level in ["warning", "error"] where line.hasPrefix("hive: \(level): ") {
                    self?.logEvent(EventRecord(type: "hook", action: level, id: "hook", attributes: ["message": String(line.dropFirst(level.count + 8))]))
                }
            }
            hookEngine = h
            return h
        } catch {
            hookSetupError = error
            throw error
        }
    }

    /// `events, calls, time` spent on hooks by this command, if any ran (for
    /// --log-level debug): all of it, from reading hive.toml and finding the
    /// hook files to building each event's context and running the handlers.
    public var hookSummary: String? {
        guard let h = hookEngine else { return nil }
        return "hooks: \(h.stats.events) events, \(h.stats.calls) calls, \(hookNanos / 1000) us"
    }

    /// hive.toml, read once per command.
    public func config() throws(HiveError) -> HiveConfig {
        if let configuration { return configuration }
        let c = try HiveConfig.load(path: options.configPath)
        configuration = c
        return c
    }

    /// Runs a pre-* event's hooks; returns the context as they left it (throws if denied).
    func pre(_ event: HookEvent, _ context: JSONValue, base: Hooks.Base? = nil, subject: Hooks.Subject) throws -> JSONValue {
        let (out, changes) = try hooks().run(event, context, base: base, subject: subject)
        for c in changes {
            eventLog.enqueue(EventRecord(type: "hook", action: "change", event: event.rawValue, id: c.script,
                                         attributes: ["field": c.field, "old": c.old?.serialized() ?? "", "new": c.new?.serialized() ?? ""]))
        }
        return out
    }

    /// Records a lifecycle event and runs its hooks; hook failures are logged, never thrown.
    func emit(_ event: HookEvent?, _ e: EventRecord, context: @autoclosure () -> JSONValue, base: @autoclosure () -> Hooks.Base? = nil,
              subject: Hooks.Subject = Hooks.Subject()) {
        var e = e
        e.event = event?.rawValue
        logEvent(e)
        guard let event else { return }
        let started = HostProcess.monotonicNanos()
        defer { hookNanos += HostProcess.monotonicNanos() - started }
        do {
            let h = try hooks()
            guard try h.listens(event) else { return }
            _ = try h.run(event, context(), base: base(), subject: subject)
        } catch {
            logger.line("hive: warning: hooks not run for \(event.rawValue): \(error.description)")
        }
    }

    // MARK: - Contexts

    /// What hooks see of a container.
    func containerContext(_ r: ContainerRecord, extra: [String: JSONValue] = [:]) -> JSONValue {
        containerBase(r).merged(containerOverlay(r, extra: extra))
    }

    /// The part of a container's context that stays the same within a command
    /// (hooks get it decoded once; each event sets its own fields on a copy).
    func containerBase(_ r: ContainerRecord) -> Hooks.Base {
        if let base = contextBase[r.id] { return Hooks.Base(key: r.id, value: .object(base)) }
        var o: [String: JSONValue] = [
            "id": .string(r.id), "name": .string(r.name), "image": .string(familiarName(r.imageName)),
            "image_id": .string(r.imageID.description), "labels": .object(labels(r.labelsJSON).mapValues(JSONValue.string)),
            "command": .string(r.command), "created": .int(r.created / 1_000_000_000),
        ]
        if let s = spec(r) {
            o["env"] = .array(s.env.map(JSONValue.string))
            o["network"] = .string(s.network)
            o["hostname"] = .string(s.hostname)
            o["privileged"] = .bool(s.privileged)
            o["auto_remove"] = .bool(s.autoRemove)
        }
        contextBase[r.id] = o
        return Hooks.Base(key: r.id, value: .object(o))
    }

    /// A container's state in its context, and the event's own fields.
    func containerOverlay(_ r: ContainerRecord, extra: [String: JSONValue] = [:]) -> JSONValue {
        var o = extra
        o["state"] = .string(r.state.rawValue)
        if let code = r.exitCode, r.state == .exited { o["exit_code"] = .int(Int64(code)) }
        if let f = r.finished, r.state == .exited { o["finished"] = .int(f / 1_000_000_000) }
        if let pid = r.pid, r.state == .running {
            o["pid"] = .int(Int64(pid))
            o["netns"] = .string("/proc/\(pid)/ns/net")
        }
        // a container on a network: its pinned namespace, from post-create on (pre-start hooks can wire it)
        if r.state != .exited, let s = spec(r), (try? NetworkMode.parse(s.network))?.attaches == true { o["netns"] = .string(netnsPath(r.id)) }
        return .object(o)
    }

    func containerSubject(_ r: ContainerRecord) -> Hooks.Subject {
        let labels = self.labels(r.labelsJSON)
        return Hooks.Subject(image: r.imageName, labels: labels)
    }

    func containerEvent(_ r: ContainerRecord, _ action: String, _ extra: [String: String] = [:]) -> EventRecord {
        var attrs = labels(r.labelsJSON)
        attrs["name"] = r.name
        attrs["image"] = familiarName(r.imageName)
        for (k, v) in extra { attrs[k] = v }
        return EventRecord(type: "container", action: action, id: r.id, attributes: attrs)
    }

    func imageContext(_ img: ImageRecord) -> JSONValue {
        let labels = self.labels(img.labelsJSON)
        return .object([
            "in_use": .bool(!((try? store.containers(usingImage: img.id)) ?? []).isEmpty),
            "added": .int(img.added / 1_000_000_000),
            "id": .string(img.id.description), "tags": .array(img.tags.map { .string(familiarName($0)) }),
            "created": .int(img.created / 1_000_000_000), "size": .int(img.size),
            "last_used": img.lastUsed.map { .int($0 / 1_000_000_000) } ?? .null,
            "labels": .object(labels.mapValues(JSONValue.string)),
        ])
    }
}

extension Engine: HookHost {
    /// Read-only queries from hooks: hive.images(), hive.containers(), hive.image(ref), hive.container(id).
    public func hookQuery(_ op: String, _ arg: JSONValue) throws -> JSONValue {
        switch op {
        case "images":
            return .array(try store.allImages().map(imageContext))
        case "containers":
            return .array(try store.allContainers().map { r in
                var r = r
                if r.state == .running && !isAlive(r) { r.state = .exited }
                return containerContext(r)
            })
        case "image":
            guard let ref = arg.stringValue, let resolved = try? resolveImage(ref),
                  let img = try store.allImages().first(where: { $0.id == resolved.id }) else { return .null }
            return imageContext(img)
        case "container":
            guard let ref = arg.stringValue, let r = try store.container(ref) else { return .null }
            return containerContext(r)
        default:
            throw HiveError(.invalidArgument, "hive.\(op) does not exist")
        }
    }
}

extension Engine {
    /// Runs a pre-* event if a hook listens (nil if none does); throws if denied.
    func preHooks(_ event: HookEvent, base: () -> Hooks.Base? = { nil }, _ make: () throws -> (JSONValue, Hooks.Subject)) throws -> JSONValue? {
        let started = HostProcess.monotonicNanos()
        defer { hookNanos += HostProcess.monotonicNanos() - started }
        let h = try hooks()
        guard try h.listens(event) else { return nil }
        let (ctx, subject) = try make()
        return try pre(event, ctx, base: base(), subject: subject)
    }

    /// pre-start: hooks may refuse to start the container.
    func preStart(_ r: ContainerRecord) throws {
        _ = try preHooks(.preStart, base: { containerBase(r) }) { (containerOverlay(r), containerSubject(r)) }
    }

    func postStart(_ r: ContainerRecord, pid: pid_t) {
        var running = r
        running.state = .running
        running.pid = pid
        emit(.postStart, containerEvent(r, "start"), context: containerOverlay(running), base: containerBase(r), subject: containerSubject(r))
    }

    /// The container's process ended: record the status, fire on-exit and
    /// on-stop (with who stopped it), and honour --rm (on-remove).
    func containerExited(_ r: ContainerRecord, status: Int32, at: Int64, autoRemove: Bool) throws {
        detachNetwork(r.id)  // Docker releases addresses and ports on stop
        // a --rm container's record goes in a moment: no commit (and fsyncs) for its exit
        if !autoRemove {
            recordOOMKills(r.id)
            // its writable layer is still now: measured once here, so `system df` need not walk it
            let bytes = writableSize(r.id)
            try store.db.transaction(durable: false) { () throws(HiveError) in try store.markExited(r.id, exitCode: status, at: at, writableSize: bytes) }
        }
        var done = r
        done.state = .exited
        done.exitCode = status
        done.finished = at
        // the marker stays (a stop by the user outlives its exit): startedByUser removes it
        let by = access(stoppingMarker(r.id), F_OK) == 0 ? "user" : "exit"
        let subject = containerSubject(r)
        emit(.onExit, containerEvent(done, "die", ["exitCode": String(status)]),
             context: containerOverlay(done, extra: ["status": .int(Int64(status))]), base: containerBase(r), subject: subject)
        emit(.onStop, containerEvent(done, "stop", ["by": by]), context: containerOverlay(done, extra: ["by": .string(by)]), base: containerBase(r),
             subject: subject)
        Profile.mark("exit events")
        if autoRemove {
            try cleanupContainer(r.id, volumes: true, detached: true)
            removedEvent(done)
        }
    }

    /// At an exit: the memory group's OOM-kill count and whether this run
    /// added to it, in the container's `oom` file ("COUNT 0|1"), so
    /// State.OOMKilled is about the last run, as Docker's (the count itself
    /// runs on across starts: the group stays until `rm`).
    func recordOOMKills(_ id: String) {
        let path = containerDir(id) + "/oom"
        let now = ContainerInspect.oomKills(cgroupDirs: cgroupDirs(id))
        let before = Files.readText(path).flatMap { Int64($0.prefix(while: { $0 != " " })) } ?? 0
        try? Files.write(path + ".tmp", "\(now) \(now > before ? 1 : 0)\n")
        rename(path + ".tmp", path)
    }

    /// State.OOMKilled of an exited container: its last run's, as its exit recorded it.
    func lastRunOOMKilled(_ id: String) -> Bool {
        guard let text = Files.readText(containerDir(id) + "/oom") else {
            return ContainerInspect.oomKills(cgroupDirs: cgroupDirs(id)) > 0  // exited before hive kept the file
        }
        return text.split(separator: " ").dropFirst().first?.hasPrefix("1") == true
    }

    func removedEvent(_ r: ContainerRecord) {
        emit(.onRemove, containerEvent(r, "destroy"), context: containerOverlay(r, extra: ["type": .string("container")]), base: containerBase(r),
             subject: containerSubject(r))
    }
}
