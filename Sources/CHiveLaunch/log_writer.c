// The json-file log writer (hive_log_writer.h), used by hive-monitor and the
// foreground run alike. Compression of a rotated file runs in a forked child:
// the writer's `gzip` (hive_log_gzip_file, log_gzip.c, libdeflate: hive's
// ContainerLogWriter sets it), else by exec'ing `HELPER __gzip-log SRC TMP
// DST` (hive-monitor, which stays small without the deflate code:
// hive_log_gzip_helper).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

// DIR/log-attrs into w->attrs: "" when there is none or it is not one JSON object on one line.
static void read_attrs(struct hive_log_writer *w, const char *dir) {
    char *buf = w->attrs;
    buf[0] = 0;
    char path[HIVE_LOG_PATH_MAX + 16];
    if (snprintf(path, sizeof path, "%s/log-attrs", dir) >= (int)sizeof path) return;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof w->attrs - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    if (n <= 0 || buf[0] != '{' || buf[n - 1] != '}' || memchr(buf, '\n', (size_t)n)) buf[0] = 0;
}

int hive_log_open(struct hive_log_writer *w, const char *dir, long long max_size, long max_file, int compress) {
    w->fd = -1;
    w->compressor = 0;
    w->gzip = NULL;
    w->part[0].len = w->part[1].len = 0;
    w->max_size = max_size < 0 ? 0 : max_size;
    w->max_file = max_file < 1 ? 1 : max_file;
    w->compress = compress && w->max_file > 1;
    read_attrs(w, dir);
    if (snprintf(w->path, sizeof w->path, "%s/log", dir) >= (int)sizeof w->path) { errno = ENAMETOOLONG; return -1; }
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
        if (w->gzip) _exit(w->gzip(to, tmp, dst) == 0 ? 0 : 1);
        if (hive_log_gzip_helper) execl(hive_log_gzip_helper, "hive", "__gzip-log", to, tmp, dst, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) w->compressor = pid;
}

void hive_rfc3339(char *out, size_t cap, long long ns) {
    time_t sec = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%09lldZ", ns % 1000000000LL);
}

size_t hive_json_escape(char *out, const char *s, size_t n, int utf8) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 && utf8) {
            size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            int ok = len > 0 && i + len <= n;
            for (size_t k = 1; ok && k < len; k++) ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
            if (ok) { memcpy(out + o, s + i, len); o += len; i += len; }
            else { memcpy(out + o, "\\ufffd", 6); o += 6; i++; }
            continue;
        }
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
        else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
        else if (c < 0x20 || c == 0x7f) {
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 15];
            o += 6;
        } else out[o++] = (char)c;
        i++;
    }
    return o;
}

// Appends one record for one output line (or a partial one, flushed as is).
static void log_line(struct hive_log_writer *w, int stream, const char *data, size_t n) {
    if (w->fd < 0 || n == 0) return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char ts[64];
    hive_rfc3339(ts, sizeof ts, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    size_t cap = n * 6 + strlen(w->attrs) + 160;
    char *out = malloc(cap);
    if (!out) return;
    size_t o = (size_t)snprintf(out, cap, "{\"log\":\"");
    o += hive_json_escape(out + o, data, n, 0);
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
