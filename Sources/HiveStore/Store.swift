// The on-disk store (DESIGN.md "Where things live on disk"): blobs, unpacked
// layers, the state database and the store lock.
//
// Crash safety: everything is written under tmp/ and renamed into place;
// the database row that makes it visible is committed last. Writers hold the
// store lock shared; removing unreferenced files ("sweep") needs it
// exclusively, so it never races a writer that is about to reuse a layer or
// blob. A command that finds the `gc-pending` marker sweeps when it can.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

public final class Store {
    public let root: String
    public let runroot: String
    public let db: Database
    private var lockFD: Int32 = -1
    private var lockMode: Int32 = LOCK_UN

    public var blobsDir: String { root + "/blobs/sha256" }
    public var layersDir: String { root + "/layers" }
    public var tmpDir: String { root + "/tmp" }
    /// Present when something was left for the next idle command to sweep.
    public var pendingMarker: String { root + "/gc-pending" }
    /// What opening the store had to fix (a root or runroot readable by
    /// others), for the CLI to show as warnings.
    public private(set) var notices: [String] = []

    public init(root: String, runroot: String) throws(HiveError) {
        self.root = root
        self.runroot = runroot
        // Other host users must reach nothing of the store: not the layers'
        // setuid binaries, not a container's files (CVE-2021-41091).
        var fixed: [String] = []
        try Store.ownOnly(root, what: "store root", notices: &fixed)
        try Store.ownOnly(runroot, what: "runroot", notices: &fixed)
        for dir in [root + "/blobs", root + "/blobs/sha256", root + "/layers", root + "/tmp", root + "/locks"] {
            if mkdir(dir, 0o700) != 0 && Glibc.errno != EEXIST {
                throw HiveError.errno("cannot create the store directory \(dir) (is --root writable? hive needs root)")
            }
        }
        let dbPath = root + "/hive.db"
        db = try Database(path: dbPath)
        notices = fixed
        // A write-ahead log (Database.useWriteAheadLog). Creating the database,
        // switching an older store's rollback journal to the log and migrating
        // the schema are serialised across processes.
        var hasLog = try db.journalMode() == "wal"
        let stale = try Schema.needsMigration(db)
        if !hasLog || stale {
            let fd = open(root + "/locks/init.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw HiveError.errno("cannot open the store's init lock") }
            defer { close(fd) }
            flock(fd, LOCK_EX)
            if !hasLog { hasLog = (try? db.switchToWriteAheadLog()) == true }  // held open elsewhere: next time
            if try Schema.needsMigration(db) { try Schema.migrate(db) }
        }
        // a database that could not switch keeps a persistent rollback journal
        if hasLog { try db.useWriteAheadLog() } else { try db.exec("PRAGMA journal_mode = PERSIST") }
        if access(pendingMarker, F_OK) == 0 { sweepIfIdle() }
    }

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Creates `dir` mode 0700, or makes an existing one 0700 and owned by
    /// this user, whatever it was before (noting what it changed). A
    /// symlinked root (/var/lib/hive -> /data/hive) is fixed at its target.
    static func ownOnly(_ dir: String, what: String, notices: inout [String]) throws(HiveError) {
        if mkdir(dir, 0o700) == 0 { return }
        guard Glibc.errno == EEXIST else {
            throw HiveError.errno("cannot create the \(what) \(dir) (is it writable? hive needs root)")
        }
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open the \(what) \(dir) (it must be a directory)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HiveError.errno("cannot stat the \(what) \(dir)") }
        let uid = geteuid(), gid = getegid()
        if st.st_uid != uid || st.st_gid != gid {
            guard fchown(fd, uid, gid) == 0 else { throw HiveError.errno("cannot take ownership of the \(what) \(dir)") }
            notices.append("\(dir) was owned by \(st.st_uid):\(st.st_gid); now by \(uid):\(gid)")
        }
        let mode = st.st_mode & 0o7777
        if mode != 0o700 {
            guard fchmod(fd, 0o700) == 0 else { throw HiveError.errno("cannot set the mode of the \(what) \(dir) to 0700") }
            if mode & 0o7077 != 0 { notices.append("\(dir) was mode 0\(String(mode, radix: 8)); set to 0700") }
        }
    }

    // MARK: - The store lock

    /// Takes the store lock shared (a writer) for the rest of the command.
    public func lockShared() throws(HiveError) {
        try lock(LOCK_SH)
    }

    /// Takes the store lock exclusively: no `run` is between resolving an
    /// image and recording its container while this is held (prune, gc).
    public func lockExclusive() throws(HiveError) {
        try lock(LOCK_EX)
    }

    /// Releases the store lock (a long-running command, once its files are in use).
    public func unlock() {
        if lockFD >= 0 { flock(lockFD, LOCK_UN) }
        lockMode = LOCK_UN
    }

    private func lock(_ mode: Int32) throws(HiveError) {
        if lockFD < 0 {
            lockFD = open(root + "/locks/store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard lockFD >= 0 else { throw HiveError.errno("cannot open the store lock") }
        }
        while flock(lockFD, mode) != 0 {
            if Glibc.errno != EINTR { throw HiveError.errno("cannot lock the store") }
        }
        lockMode = mode
    }

    /// Marks that unreferenced files may exist, so the next idle command sweeps.
    public func markPending() {
        let fd = open(pendingMarker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
    }

    /// Sweeps when no writer holds the store lock; otherwise leaves the marker.
    /// Returns whether a sweep ran. A command holding the lock shared keeps it
    /// and leaves the sweep to the next idle command: letting go of it for a
    /// moment would let a waiting prune in, which could remove what the
    /// command is still using (a build's state between its steps, an image
    /// it is about to tag). Only with `yieldingLock` (a failed ingest: it has
    /// nothing in use, and what it stored must go now) does it let go, try,
    /// and take the lock again. Holding it exclusively (prune, gc), it sweeps.
    @discardableResult
    public func sweepIfIdle(yieldingLock: Bool = false) -> Bool {
        let previous = lockMode
        if previous == LOCK_SH && !yieldingLock { return false }
        if previous == LOCK_EX {
            guard (try? sweep()) != nil else { return false }
            unlink(pendingMarker)
            return true
        }
        if lockFD < 0 {
            lockFD = open(root + "/locks/store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if lockFD < 0 { return false }
        }
        if previous != LOCK_UN { flock(lockFD, LOCK_UN) }
        defer { flock(lockFD, previous == LOCK_UN ? LOCK_UN : previous) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else { return false }
        do {
            try sweep()
            unlink(pendingMarker)
            return true
        } catch {
            return false
        }
    }

    /// Removes temp files, unreferenced layers and blobs. Requires the lock exclusively.
    private func sweep() throws(HiveError) {
        for name in FileTree.names(in: tmpDir) { try FileTree.remove(path: tmpDir + "/" + name) }
        try db.prepare("DELETE FROM layers WHERE \(Store.unreferencedLayer)").run()
        let knownLayers = Set(try db.prepare("SELECT chain_id FROM layers").all { $0.text(0) })
        for name in FileTree.names(in: layersDir) where !knownLayers.contains(name) {
            try removeLayerDir(name)
        }
        // blobs of images and of build cache records (BuildCacheRecords.swift)
        let knownBlobs = Set(try db.prepare("SELECT digest FROM image_blobs UNION SELECT digest FROM build_record_layers").all { $0.text(0) })
        for name in FileTree.names(in: blobsDir) where !knownBlobs.contains(name) {
            unlink(blobsDir + "/" + name)
        }
    }

    /// Renames a layer out of layers/ first, so a half-removed layer is never visible.
    private func removeLayerDir(_ name: String) throws(HiveError) {
        let doomed = tmpDir + "/gc-" + name
        if rename(layersDir + "/" + name, doomed) != 0 && Glibc.errno != ENOENT {
            throw HiveError.errno("cannot remove layer \(name)")
        }
        try FileTree.remove(path: doomed)
    }

    // MARK: - Temp space

    /// A fresh directory under tmp/ for one operation's work.
    public func makeTempDir() throws(HiveError) -> String {
        let path = tmpDir + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + "-\(getpid())"
        guard mkdir(path, 0o700) == 0 else { throw HiveError.errno("cannot create temp directory \(path)") }
        return path
    }

    /// Flushes the store's filesystem (layer files, renames) to disk.
    public func syncFilesystem() {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = Files.syncfs(fd)
            close(fd)
        }
    }
}
