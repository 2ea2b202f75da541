// The container's output into its log: Docker's json-file format, one JSON
// line per output line (DESIGN.md "detach").
//
// The log is bounded (Docker's json-file options, which hive applies by
// default): past max-size bytes it rotates to log.1 ... log.(max-file - 1),
// the oldest dropped; a line longer than 16 KiB becomes several records (the
// last without "\n", as Docker splits), so no stream makes a record unbounded.
// With the "none" driver nothing is written.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "monitor.h"

static int logfd = -1;
static char logpath[MONITOR_PATH_MAX + 16];
static long long log_max_size;  // 0: unbounded
static long log_max_file;
static long long log_size = 0;
static int log_none;

struct partial { const char *name; char buf[16384]; size_t len; };
static struct partial out_part = { "stdout", {0}, 0 }, err_part = { "stderr", {0}, 0 };

static void log_open(int truncate) {
    logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0), 0600);
    struct stat st;
    log_size = logfd >= 0 && fstat(logfd, &st) == 0 ? (long long)st.st_size : 0;
}

// log -> log.1 -> ... -> log.(max_file-1), the oldest dropped; one file: start it again.
static void log_rotate(void) {
    if (logfd >= 0) close(logfd);
    char from[MONITOR_PATH_MAX + 32], to[MONITOR_PATH_MAX + 32];
    for (long i = log_max_file - 1; i >= 1; i--) {
        snprintf(to, sizeof to, "%s.%ld", logpath, i);
        if (i == 1) snprintf(from, sizeof from, "%s", logpath);
        else snprintf(from, sizeof from, "%s.%ld", logpath, i - 1);
        rename(from, to);  // a missing one: nothing to move
    }
    log_open(1);
}

static void now_rfc3339(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%09ldZ", ts.tv_nsec);
}

// Appends one JSON line for one output line (or a partial one, flushed as is).
static void log_line(const char *stream, const char *data, size_t n) {
    if (logfd < 0 || n == 0) return;
    char ts[64];
    now_rfc3339(ts, sizeof ts);
    size_t cap = n * 6 + 128;
    char *out = malloc(cap);
    if (!out) return;
    size_t o = 0;
    o += (size_t)snprintf(out, cap, "{\"log\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
        else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
        else if (c < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        else out[o++] = (char)c;
    }
    o += (size_t)snprintf(out + o, cap - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, ts);
    if (log_max_size > 0 && log_size > 0 && log_size + (long long)o > log_max_size) log_rotate();
    ssize_t w = logfd >= 0 ? write(logfd, out, o) : -1;
    if (w > 0) log_size += w;
    free(out);
}

void log_setup(struct monitor *m) {
    log_none = m->args.log_none;
    if (log_none) return;
    log_max_size = m->args.log_max_size;
    log_max_file = m->args.log_max_file;
    snprintf(logpath, sizeof logpath, "%s/log", m->dir);
    log_open(0);
}

void log_output(struct monitor *m, const char *stream, const char *data, size_t n) {
    (void)m;
    if (log_none) return;
    struct partial *s = strcmp(stream, "stderr") == 0 ? &err_part : &out_part;
    while (n > 0) {
        size_t take = sizeof s->buf - s->len < n ? sizeof s->buf - s->len : n;
        memcpy(s->buf + s->len, data, take);
        s->len += take;
        data += take;
        n -= take;
        size_t start = 0;
        for (size_t i = 0; i < s->len; i++) {
            if (s->buf[i] == '\n') { log_line(s->name, s->buf + start, i - start + 1); start = i + 1; }
        }
        memmove(s->buf, s->buf + start, s->len - start);
        s->len -= start;
        if (s->len == sizeof s->buf) { log_line(s->name, s->buf, s->len); s->len = 0; }
    }
}

void log_flush(struct monitor *m) {
    (void)m;
    if (out_part.len) log_line(out_part.name, out_part.buf, out_part.len);
    if (err_part.len) log_line(err_part.name, err_part.buf, err_part.len);
    out_part.len = err_part.len = 0;
}

void log_close(struct monitor *m) {
    log_flush(m);
    if (logfd >= 0) close(logfd);
    logfd = -1;
}
