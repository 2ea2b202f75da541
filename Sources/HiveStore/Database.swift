// A thin wrapper over the system libsqlite3 (STYLE.md 12): prepared
// statements, typed binds, one transaction per operation, busy timeout.
import CHiveSQLite
import CSQLite
import Glibc
import HiveOCI
import HivePlatform

let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

public final class Database {
    let handle: OpaquePointer
    public let path: String

    public init(path: String) throws(HiveError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw HiveError(.io, "cannot open the state database \(path)", cause: msg)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 30_000)
        try exec("PRAGMA foreign_keys = ON")
    }

    deinit { sqlite3_close_v2(handle) }

    public func exec(_ sql: String) throws(HiveError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw HiveError(.io, "state database error", cause: msg)
        }
    }

    public func prepare(_ sql: String) throws(HiveError) -> Statement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw HiveError(.internal, "state database: cannot prepare statement", cause: lastError)
        }
        return Statement(stmt, db: self)
    }

    /// In write-ahead-log mode (see `useWriteAheadLog`).
    public private(set) var wal = false
    /// Whether commits are synced now (PRAGMA synchronous FULL).
    private var syncing = true
    private var checkpointStarted = false
    /// Checkpoint once the log holds this many pages (512 KiB): every process
    /// that opens the database first reads the whole log (0.5 ms per MiB here),
    /// so it stays small.
    public static let checkpointPages: Int32 = 128

    /// The journal mode stored in the database ("wal", "persist", "delete" for a new file).
    public func journalMode() throws(HiveError) -> String {
        try prepare("PRAGMA journal_mode").all([]) { $0.text(0) }.first ?? ""
    }

    /// Makes the database's journal a write-ahead log (it stays one). Needs
    /// the database to itself: callers hold the store's init lock.
    public func switchToWriteAheadLog() throws(HiveError) -> Bool {
        try prepare("PRAGMA journal_mode = WAL").all([]) { $0.text(0) }.first == "wal"
    }

    /// Uses the database's write-ahead log (its journal mode is "wal"): a
    /// commit appends to the log and, unless durable, syncs nothing (a
    /// rollback journal synced five times per commit, 1-2 ms here).
    public func useWriteAheadLog() throws(HiveError) {
        hive_sqlite_wal_setup(handle)
        try exec("PRAGMA synchronous = NORMAL")
        wal = true
        syncing = false
    }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE for writers), committing
    /// on success and rolling back on any error. A durable commit is synced to
    /// disk before it returns; a non-durable one (container state: those
    /// processes die with the machine anyway) survives a crash of hive but may
    /// be lost with the machine's power. Nothing is ever left half-written.
    public func transaction<T>(write: Bool = true, durable: Bool = true, _ body: () throws(HiveError) -> T) throws(HiveError) -> T {
        if write && wal && durable != syncing {
            try exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            syncing = durable
        }
        try exec(write ? "BEGIN IMMEDIATE" : "BEGIN")
        let v: T
        do {
            v = try body()
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
        if write && wal && !checkpointStarted && hive_sqlite_wal_frames() > Database.checkpointPages {
            checkpointStarted = true
            startCheckpoint()
        }
        return v
    }

    /// Checkpoints the log in a detached `hive __checkpoint-db` (HiveCommand),
    /// so no command waits for the copy and its fsyncs.
    private func startCheckpoint() {
        HostProcess.spawnDetached(["__checkpoint-db", path])
    }

    /// The checkpoint itself, in that detached process: its exit status.
    public static func checkpoint(path: String) -> Int32 { hive_sqlite_checkpoint(path) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
}

public final class Statement {
    let stmt: OpaquePointer
    unowned let db: Database

    init(_ stmt: OpaquePointer, db: Database) {
        self.stmt = stmt
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    public enum Value {
        case int(Int64)
        case text(String)
        case null
    }

    /// Binds `values` to ?1, ?2, ... (after a reset).
    @discardableResult
    public func bind(_ values: [Value]) -> Statement {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            switch v {
            case .int(let n): sqlite3_bind_int64(stmt, idx, n)
            case .text(let s): sqlite3_bind_text(stmt, idx, s, -1, sqliteTransient)
            case .null: sqlite3_bind_null(stmt, idx)
            }
        }
        return self
    }

    /// Steps once: true when a row is available.
    public func step() throws(HiveError) -> Bool {
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case SQLITE_CONSTRAINT:
            throw HiveError(.conflict, "state database constraint failed", cause: db.lastError)
        default:
            throw HiveError(.io, "state database error", cause: db.lastError)
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [Value] = []) throws(HiveError) {
        bind(values)
        while try step() {}
    }

    /// Collects every row through `row`.
    public func all<T>(_ values: [Value] = [], _ row: (Statement) -> T) throws(HiveError) -> [T] {
        bind(values)
        var out: [T] = []
        while try step() { out.append(row(self)) }
        return out
    }

    public func int(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }
    public func text(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, col) else { return "" }
        return String(cString: p)
    }
    public func optionalText(_ col: Int32) -> String? {
        sqlite3_column_type(stmt, col) == SQLITE_NULL ? nil : text(col)
    }
    public func optionalInt(_ col: Int32) -> Int64? {
        sqlite3_column_type(stmt, col) == SQLITE_NULL ? nil : int(col)
    }
}
