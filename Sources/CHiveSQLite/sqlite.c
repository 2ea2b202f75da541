// The state database's write-ahead log, kept small without costing any
// command a checkpoint: commits only append to the log (no fsync), the log
// is checkpointed by a detached process once it holds more than a few
// hundred pages, and no connection checkpoints when it closes.
#include <sqlite3.h>
#include "hive_sqlite.h"

static int wal_frames;

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames) {
    (void)arg; (void)db; (void)name;
    wal_frames = frames;
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
    // then slept in SQLite's busy handler for 1-10 ms). Once every frame is
    // copied, the next commit starts the log again from its beginning, so
    // the log's valid part, which each command reads when it opens the
    // database, stays small.
    int rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(PASSIVE)", 0, 0, 0);
    sqlite3_close_v2(db);
    return rc == SQLITE_OK ? 0 : 1;
}

