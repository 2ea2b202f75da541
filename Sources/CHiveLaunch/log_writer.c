// The json-file log writer (hive_log_writer.h), used by hive-monitor and the
// foreground run alike. Compression of a rotated file (log_gzip.c, libdeflate)
// runs in a forked child: in-process where log_gzip.c is linked (the hive
// binary), else by exec'ing `HELPER __gzip-log SRC TMP DST` (hive-monitor,
// which stays small without the deflate code: hive_log_gzip_helper).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hive_log_writer.h"

const char *hive_log_gzip_helper;

static void log_reopen(struct hive_log_writer *w, int truncate) {
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0), 0600);
    struct stat st;
    w->size = w->fd >= 0 && fstat(w->fd, &st) == 0 ? (long long)st.st_size : 0;
}

int hive_log_open(struct hive_log_writer *w, const char *path, long long max_size, long max_file, int compress, const char *attrs) {
    w->fd = -1;
    w->compressor = 0;
    w->part[0].len = w->part[1].len = 0;
    w->max_size = max_size < 0 ? 0 : max_size;
    w->max_file = max_file < 1 ? 1 : max_file;
    w->compress = compress && w->max_file > 1;
    snprintf(w->attrs, sizeof w->attrs, "%s", attrs ? attrs : "");
    if (snprintf(w->path, sizeof w->path, "%s", path) >= (int)sizeof w->path) { errno = ENAMETOOLONG; return -1; }
    log_reopen(w, 0);
    return w->fd >= 0 ? 0 : -1;
}

static void wait_compressor(struct hive_log_writer *w) {
    if (w->compressor <= 0) return;
    while (waitpid(w->compressor, NULL, 0) < 0 && errno == EINTR) {}
    w->compressor = 0;
}

// log -> log.1 -> ... -> log.(max_file-1) (.gz with compress), the oldest
// dropped; one file: the log starts again.
static void log_rotate(struct hive_log_writer *w) {
    if (w->fd >= 0) close(w->fd);
    wait_compressor(w);  // log.1 must be compressed before it moves on
    const char *ext = w->compress ? ".gz" : "";
    char from[HIVE_LOG_PATH_MAX + 32], to[HIVE_LOG_PATH_MAX + 32];
    for (long i = w->max_file - 1; i >= 2; i--) {
        snprintf(to, sizeof to, "%s.%ld%s", w->path, i, ext);
        snprintf(from, sizeof from, "%s.%ld%s", w->path, i - 1, ext);
        rename(from, to);  // a missing one: nothing to move
    }
    if (w->max_file > 1) {
        snprintf(to, sizeof to, "%s.1", w->path);
        rename(w->path, to);
    }
    log_reopen(w, 1);
    if (!w->compress) return;
    char tmp[HIVE_LOG_PATH_MAX + 32], dst[HIVE_LOG_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.1.gz.tmp", w->path);
    snprintf(dst, sizeof dst, "%s.1.gz", w->path);
    pid_t pid = fork();
    if (pid == 0) {
        // the child: async-signal-safe calls and libdeflate's computation only
        if (hive_log_gzip_file) _exit(hive_log_gzip_file(to, tmp, dst) == 0 ? 0 : 1);
        if (hive_log_gzip_helper) execl(hive_log_gzip_helper, "hive", "__gzip-log", to, tmp, dst, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) w->compressor = pid;
}

static void now_rfc3339(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%09ldZ", ts.tv_nsec);
}

// Appends one record for one output line (or a partial one, flushed as is).
static void log_line(struct hive_log_writer *w, int stream, const char *data, size_t n) {
    if (w->fd < 0 || n == 0) return;
    char ts[64];
    now_rfc3339(ts, sizeof ts);
    size_t cap = n * 6 + strlen(w->attrs) + 160;
    char *out = malloc(cap);
    if (!out) return;
    size_t o = (size_t)snprintf(out, cap, "{\"log\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
        else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
        else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        else out[o++] = (char)c;
    }
    o += (size_t)snprintf(out + o, cap - o, "\",\"stream\":\"%s\"%s%s,\"time\":\"%s\"}\n", stream == 2 ? "stderr" : "stdout",
                          w->attrs[0] ? ",\"attrs\":" : "", w->attrs, ts);
    if (w->max_size > 0 && w->size > 0 && w->size + (long long)o > w->max_size) log_rotate(w);
    ssize_t k = w->fd >= 0 ? write(w->fd, out, o) : -1;
    if (k > 0) w->size += k;
    free(out);
}

void hive_log_write(struct hive_log_writer *w, int stream, const char *data, size_t n) {
    struct hive_log_partial *s = &w->part[stream == 2 ? 1 : 0];
    while (n > 0) {
        size_t take = sizeof s->buf - s->len < n ? sizeof s->buf - s->len : n;
        memcpy(s->buf + s->len, data, take);
        s->len += take;
        data += take;
        n -= take;
        size_t start = 0;
        for (char *nl; start < s->len && (nl = memchr(s->buf + start, '\n', s->len - start));) {
            size_t end = (size_t)(nl - s->buf) + 1;
            log_line(w, stream, s->buf + start, end - start);
            start = end;
        }
        memmove(s->buf, s->buf + start, s->len - start);
        s->len -= start;
        if (s->len == sizeof s->buf) { log_line(w, stream, s->buf, s->len); s->len = 0; }
    }
}

void hive_log_flush(struct hive_log_writer *w) {
    for (int i = 0; i < 2; i++) {
        if (w->part[i].len) log_line(w, i + 1, w->part[i].buf, w->part[i].len);
        w->part[i].len = 0;
    }
}

void hive_log_close(struct hive_log_writer *w) {
    hive_log_flush(w);
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    wait_compressor(w);
}

void hive_log_read_attrs(const char *path, char *buf, size_t cap) {
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    if (n <= 0 || buf[0] != '{' || buf[n - 1] != '}' || memchr(buf, '\n', (size_t)n)) buf[0] = 0;
}
