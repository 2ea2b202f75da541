// Container rows in the state database.
import HiveOCI
import HivePlatform

public struct ContainerRecord: Sendable {
    public enum State: String, Sendable { case created, running, exited }
    public var id: String
    public var name: String
    public var imageID: Digest
    public var imageName: String
    /// The container's spec as JSON (command, env, options).
    public var config: String
    public var created: Int64
    public var state: State
    public var pid: Int32?
    public var pidStart: Int64?
    public var started: Int64?
    public var finished: Int64?
    public var exitCode: Int32?
    /// The command as `ps` shows it, and the labels as JSON.
    public var command = ""
    public var labelsJSON = "{}"
    /// Restarts by its restart policy so far (inspect's RestartCount).
    public var restartCount: Int64 = 0
    /// Its monitor is waiting out a restart backoff (ps: "Restarting").
    public var restarting = false
    /// The detached container's monitor while it lives: pid and start time.
    public var monitorPid: Int32?
    public var monitorStart: Int64?
    /// Bytes in its writable layer, as measured when it was created (0) or
    /// last exited, or after a `cp` into it; nil: unknown (it runs, or was
    /// started since). `system df` walks only the containers without one.
    public var writableSize: Int64?

    public init(id: String, name: String, imageID: Digest, imageName: String, config: String, created: Int64) {
        self.id = id
        self.name = name
        self.imageID = imageID
        self.imageName = imageName
        self.config = config
        self.created = created
        self.state = .created
    }
}

extension Store {
    private static let containerColumns = "id, name, image_id, image_name, config, created, state, pid, pid_start, started, finished, exit_code, command, labels, restart_count, restarting, monitor_pid, monitor_start, writable_size"
    private static let summaryColumns = "id, name, image_id, image_name, '', created, state, pid, pid_start, started, finished, exit_code, command, labels, restart_count, restarting, monitor_pid, monitor_start, writable_size"

    private func containerRow(_ s: Statement) -> ContainerRecord? {
        guard let image = try? Digest(hex: s.text(2)) else { return nil }
        var r = ContainerRecord(id: s.text(0), name: s.text(1), imageID: image, imageName: s.text(3), config: s.text(4), created: s.int(5))
        r.state = ContainerRecord.State(rawValue: s.text(6)) ?? .exited
        r.pid = s.optionalInt(7).map { Int32($0) }
        r.pidStart = s.optionalInt(8)
        r.started = s.optionalInt(9)
        r.finished = s.optionalInt(10)
        r.exitCode = s.optionalInt(11).map { Int32($0) }
        r.command = s.text(12)
        r.labelsJSON = s.text(13)
        r.restartCount = s.int(14)
        r.restarting = s.int(15) != 0
        r.monitorPid = s.optionalInt(16).map { Int32($0) }
        r.monitorStart = s.optionalInt(17)
        r.writableSize = s.optionalInt(18)
        return r
    }

    /// Every container, newest first, without its spec (`config` is empty).
    public func allContainers() throws(HiveError) -> [ContainerRecord] {
        try db.prepare("SELECT \(Store.summaryColumns) FROM containers ORDER BY created DESC").all([]) { containerRow($0) }.compactMap { $0 }
    }

    /// Every container with its spec, newest first (the Engine API's list reads them at once).
    public func allContainersWithSpecs() throws(HiveError) -> [ContainerRecord] {
        try db.prepare("SELECT \(Store.containerColumns) FROM containers ORDER BY created DESC").all([]) { containerRow($0) }.compactMap { $0 }
    }

    /// By full ID, name, or unique ID prefix.
    public func container(_ ref: String) throws(HiveError) -> ContainerRecord? {
        if let r = try db.prepare("SELECT \(Store.containerColumns) FROM containers WHERE id = ?1 OR name = ?1").all([.text(ref)], { containerRow($0) }).first {
            return r
        }
        guard !ref.isEmpty, ref.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        let rows = try db.prepare("SELECT \(Store.containerColumns) FROM containers WHERE id >= ?1 AND id < ?2").all([.text(ref), .text(ref + "g")]) { containerRow($0) }
        if rows.count > 1 { throw HiveError(.conflict, "container ID prefix \"\(ref)\" is ambiguous: it matches \(rows.count) containers (give more digits)") }
        return rows.first ?? nil
    }

    /// A new container's writable layer is empty (`writable_size` 0).
    public func insertContainer(_ r: ContainerRecord) throws(HiveError) {
        do {
            try db.prepare("INSERT INTO containers (\(Store.containerColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'created', NULL, NULL, NULL, NULL, NULL, ?7, ?8, 0, 0, NULL, NULL, 0)")
                .run([.text(r.id), .text(r.name), .text(r.imageID.hex), .text(r.imageName), .text(r.config), .int(r.created),
                      .text(r.command), .text(r.labelsJSON)])
        } catch where error.code == .conflict {
            let other = try db.prepare("SELECT id FROM containers WHERE name = ?1").all([.text(r.name)]) { $0.text(0) }.first ?? "?"
            throw HiveError(.conflict, "the container name \"\(r.name)\" is already in use by container \"\(other)\" (remove it, or pick another --name)")
        }
    }

    /// With `onlyIfCreated`, a container whose exit was already recorded stays exited.
    public func markRunning(_ id: String, pid: Int32, pidStart: Int64, at: Int64, onlyIfCreated: Bool = false) throws(HiveError) {
        try db.prepare("UPDATE containers SET state = 'running', pid = ?2, pid_start = ?3, started = ?4, finished = NULL, exit_code = NULL, writable_size = NULL WHERE id = ?1"
                       + (onlyIfCreated ? " AND state = 'created'" : ""))
            .run([.text(id), .int(Int64(pid)), .int(pidStart), .int(at)])
    }

    // MARK: - Restart policies (issue #14)

    /// A detached container's monitor: its pid and start time (to tell it from a reused pid).
    public func setMonitor(_ id: String, pid: Int32, start: Int64) throws(HiveError) {
        try db.prepare("UPDATE containers SET monitor_pid = ?2, monitor_start = ?3 WHERE id = ?1").run([.text(id), .int(Int64(pid)), .int(start)])
    }

    /// The monitor waits out a backoff (1), or the policy ended (0).
    public func markRestarting(_ id: String, _ restarting: Bool) throws(HiveError) {
        try db.prepare("UPDATE containers SET restarting = ?2 WHERE id = ?1").run([.text(id), .int(restarting ? 1 : 0)])
    }

    /// A restart the policy made: launched (running as `pid`) or, with no pid, failed to launch
    /// (`at` is then the attempt's start too: a run of no length, so the backoff keeps doubling).
    public func markRestarted(_ id: String, pid: Int32?, pidStart: Int64, at: Int64) throws(HiveError) {
        guard let pid else {
            try db.prepare("UPDATE containers SET restart_count = restart_count + 1, started = ?2 WHERE id = ?1").run([.text(id), .int(at)])
            return
        }
        try db.prepare("UPDATE containers SET state = 'running', pid = ?2, pid_start = ?3, started = ?4, finished = NULL, exit_code = NULL, writable_size = NULL, "
                       + "restart_count = restart_count + 1, restarting = 0 WHERE id = ?1")
            .run([.text(id), .int(Int64(pid)), .int(pidStart), .int(at)])
    }

    /// A start by the user, before the launch: the restart policy's count
    /// starts again too (Docker resets RestartCount).
    public func markCreated(_ id: String) throws(HiveError) {
        try db.prepare("UPDATE containers SET state = 'created', pid = NULL, restart_count = 0, restarting = 0, writable_size = NULL WHERE id = ?1").run([.text(id)])
    }

    /// `writableSize`: its writable layer's bytes, measured after the exit (nil: not measured).
    public func markExited(_ id: String, exitCode: Int32, at: Int64, writableSize: Int64? = nil) throws(HiveError) {
        try db.prepare("UPDATE containers SET state = 'exited', pid = NULL, finished = ?2, exit_code = ?3, writable_size = ?4 WHERE id = ?1")
            .run([.text(id), .int(at), .int(Int64(exitCode)), writableSize.map { .int($0) } ?? .null])
    }

    /// After something wrote into a stopped container's writable layer
    /// (`cp`): its bytes now. A container that started meanwhile keeps none.
    public func setWritableSize(_ id: String, _ bytes: Int64) throws(HiveError) {
        try db.prepare("UPDATE containers SET writable_size = ?2 WHERE id = ?1 AND state != 'running'").run([.text(id), .int(bytes)])
    }

    public func updateContainerConfig(_ id: String, _ config: String) throws(HiveError) {
        try db.prepare("UPDATE containers SET config = ?2 WHERE id = ?1").run([.text(id), .text(config)])
    }

    public func renameContainer(_ id: String, to name: String) throws(HiveError) {
        do {
            try db.prepare("UPDATE containers SET name = ?2 WHERE id = ?1").run([.text(id), .text(name)])
        } catch where error.code == .conflict {
            throw HiveError(.conflict, "the container name \"\(name)\" is already in use (pick another name)")
        }
    }

    /// Whether a container has this name (an index lookup).
    public func containerNameTaken(_ name: String) throws(HiveError) -> Bool {
        try !db.prepare("SELECT 1 FROM containers WHERE name = ?1").all([.text(name)]) { _ in true }.isEmpty
    }

    public func deleteContainer(_ id: String) throws(HiveError) {
        try db.prepare("DELETE FROM containers WHERE id = ?1").run([.text(id)])
    }

    public func containers(usingImage id: Digest) throws(HiveError) -> [String] {
        try db.prepare("SELECT id FROM containers WHERE image_id = ?1").all([.text(id.hex)]) { $0.text(0) }
    }

    public var containersDir: String { root + "/containers" }
}
