// A container's log as Docker's json-file driver writes it, shared by
// hive-monitor (detached containers) and the foreground `hive run`
// (log_writer.c): one JSON line per output line
//   {"log":"text\n","stream":"stdout","attrs":{"k":"v"},"time":"RFC 3339"}
// ("attrs" only with --log-opt labels=/env=). A line longer than 16 KiB
// becomes several records, only the last ending in "\n" (as Docker splits).
// Past max_size bytes the log rotates: log -> log.1 -> ... -> log.(max_file-1),
// the oldest dropped; with compress each rotated file becomes log.N.gz
// (gzip, written by a forked child to log.N.gz.tmp and renamed, then the
// plain log.N is removed), so a reader prefers log.N.gz when both exist.
#ifndef HIVE_LOG_WRITER_H
#define HIVE_LOG_WRITER_H

#include <stddef.h>
#include <sys/types.h>

#define HIVE_LOG_LINE_MAX 16384
#define HIVE_LOG_PATH_MAX 4224
#define HIVE_LOG_ATTRS_MAX 4096

struct hive_log_partial {
    char buf[HIVE_LOG_LINE_MAX];
    size_t len;
};

struct hive_log_writer {
    int fd;                        // the live log (-1: not open)
    char path[HIVE_LOG_PATH_MAX];
    long long max_size;            // bytes per file; 0: unbounded
    long max_file;                 // files kept, the live one included (>= 1)
    int compress;                  // rotated files gzip-compressed
    long long size;                // of the live file
    pid_t compressor;              // the child compressing log.1 (0: none)
    char attrs[HIVE_LOG_ATTRS_MAX]; // a JSON object's text, or "" (no "attrs")
    // Compresses a rotated file in the forked child (src -> tmp -> dst, src
    // removed: 0 or -1), set after hive_log_open; NULL (hive_log_open's
    // value): the child execs `hive_log_gzip_helper __gzip-log SRC TMP DST`.
    int (*gzip)(const char *src, const char *tmp, const char *dst);
    struct hive_log_partial part[2]; // stdout, stderr: a line not yet ended
};

// Opens (appends to) the log `dir`/log, with the records' "attrs" hive wrote
// at create (`dir`/log-attrs: one JSON object, one line; none when it is
// missing or not one). 0, or -1 (errno) if the log cannot be opened; the
// writer is usable (a no-op) either way.
int hive_log_open(struct hive_log_writer *w, const char *dir, long long max_size, long max_file, int compress);
// One chunk of output as read: stream 1 stdout, 2 stderr; whole lines are written.
void hive_log_write(struct hive_log_writer *w, int stream, const char *data, size_t n);
// Writes the partial lines as they are (end of a run's output).
void hive_log_flush(struct hive_log_writer *w);
// Flushes, closes, and waits for a compression still running.
void hive_log_close(struct hive_log_writer *w);

// src -> tmp (gzip) -> dst, then src removed: 0, or -1. Async-signal-safe
// calls and libdeflate's computation only (allocating with mmap), so a child
// forked from a threaded process may run it. In log_gzip.c: hive's writers
// (ContainerLogWriter) set it as their `gzip`; hive-monitor's never does, so
// it compresses through the helper in every build (its release build, plain
// cc in the Makefile, does not even link log_gzip.c or libdeflate).
int hive_log_gzip_file(const char *src, const char *tmp, const char *dst);
// The hive executable that compresses for a writer whose `gzip` is NULL
// (`HELPER __gzip-log SRC TMP DST`); NULL: none (rotated files stay plain).
extern const char *hive_log_gzip_helper;

// ns (CLOCK_REALTIME nanoseconds) as RFC 3339 UTC with nanoseconds
// ("2026-01-02T03:04:05.000000006Z") into out (cap >= 40).
void hive_rfc3339(char *out, size_t cap, long long ns);
// n bytes of s as a JSON string's content (no quotes) into out, which has
// room for 6 * n bytes: '"', '\\', \n, \r, \t escaped, other controls and DEL
// as \u00XX; with `utf8`, bytes that do not form UTF-8 become \ufffd (as Go's
// encoder writes them: Docker's health log), without it bytes >= 0x80 are
// copied as they are (the json-file log). Its length.
size_t hive_json_escape(char *out, const char *s, size_t n, int utf8);

// A rotated file compressed by the writer (gzip), read back whole: 0 with
// *out (malloc'd, the caller frees) and *len, or -1 (errno; EINVAL: not gzip).
int hive_log_gunzip(const char *path, unsigned char **out, size_t *len);

// The foreground `hive run`: the container's output read from pipes (or its
// pty master with -t), copied to this terminal's stdout/stderr for the
// attached streams and written to the log; with a tty and attach_in, this
// terminal's input goes to the pty (raw mode, window size forwarded).
struct hive_foreground {
    pid_t pid;             // the container's init (a child of this process)
    int out_fd, err_fd;    // read ends; with a tty out_fd is the master, err_fd -1
    int tty;
    int attach_in, attach_out, attach_err;
    struct hive_log_writer *log;  // NULL: not logged (driver none)
};
// Runs until the container exits and its output is drained; closes the fds;
// the exit status as a shell reports it.
int hive_foreground_run(struct hive_foreground *f);

#endif
