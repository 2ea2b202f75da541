// SQLite helpers for the state database (STYLE.md 5).
#ifndef HIVE_SQLITE_H
#define HIVE_SQLITE_H
struct sqlite3;
// ---- the state database's write-ahead log (sqlite.c) ----
// Hooks commits (frames counted, no automatic checkpoint, none on close).
int hive_sqlite_wal_setup(struct sqlite3 *db);
// Pages in the log after this process's last commit.
int hive_sqlite_wal_frames(void);
// Checkpoints and empties the log of the database at `path` (0 on success).
int hive_sqlite_checkpoint(const char *path);

#endif
