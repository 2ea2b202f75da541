// The state database's write-ahead log, kept small without costing any
// command a checkpoint: commits only append to the log (no fsync), the log
// is checkpointed by a detached process once it holds more than a few
// hundred pages, and no connection checkpoints when it closes.
//
// A fully copied log is only started again from its beginning by a writer
// of the same generation of the log's index: a process that opens the
// database after every other connection closed rebuilds the index and with
// it forgets what was copied. Commands are short-lived, so the copy alone
// did not keep the log short (it grew by every commit until a checkpointer
// happened to close last and delete it). The checkpoint therefore ends with
// a TRUNCATE that never waits: once the copy is done it only needs a moment
// without readers or writers, and it is tried a few times.
#include <sqlite3.h>
#include <unistd.h>
#include "hive_sqlite.h"

static int wal_frames;

// The backstop: a log this long means the detached checkpoints are not
// keeping up (a loaded machine, a checkpointer that could not start), so the
// committing command copies and empties it itself, still without waiting.
#define HIVE_WAL_BACKSTOP_FRAMES 512

// Copies the log (PASSIVE: never waits) and empties it if nobody is using it
// at that moment (TRUNCATE with no busy wait). Restores a 30 s busy timeout.
static int copy_and_truncate(sqlite3 *db, const char *name, int attempts) {
    int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, 0, 0);
    if (rc != SQLITE_OK) return rc;
    sqlite3_busy_timeout(db, 0);
    for (int i = 0; i < attempts; i++) {
        rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, 0, 0);
        if (rc != SQLITE_BUSY) break;
        if (i + 1 < attempts) usleep(20000);
    }
    sqlite3_busy_timeout(db, 30000);
    return rc == SQLITE_BUSY ? SQLITE_OK : rc;
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames) {
    (void)arg;
    wal_frames = frames;
    if (frames >= HIVE_WAL_BACKSTOP_FRAMES) copy_and_truncate(db, name, 1);
    return SQLITE_OK;
}

int hive_sqlite_wal_setup(sqlite3 *db) {
    // registering a hook replaces SQLite's own automatic checkpoints
    sqlite3_wal_hook(db, on_wal_commit, 0);
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

int hive_sqlite_wal_frames(void) {
    return wal_frames;
}

int hive_sqlite_checkpoint(const char *path) {
    sqlite3 *db = 0;
    // never creates the database: the store may be gone by now
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, 0) != SQLITE_OK) {
        sqlite3_close_v2(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 10000);
    // the pragma reads the database first (a bare sqlite3_wal_checkpoint_v2 on a
    // fresh connection does not know yet that the database has a log).
    // PASSIVE: commands keep writing meanwhile (RESTART and TRUNCATE hold
    // every writer off until the copy and its fsync are done: a `hive run`
    // then slept in SQLite's busy handler for 1-10 ms); only then the
    // non-waiting TRUNCATE of copy_and_truncate, for up to 1 s.
    int rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", 0, 0, 0);
    if (rc == SQLITE_OK) rc = copy_and_truncate(db, 0, 50);
    sqlite3_close_v2(db);
    return rc == SQLITE_OK ? 0 : 1;
}

