// The json-file log writer (hive_log_writer.h), used by hive-monitor and the
// foreground run alike, and the reader's gunzip of a compressed rotated file.
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
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

// The compressing child allocates with mmap only: after fork in a threaded
// process (the foreground run) malloc is not safe.
static void *map_alloc(size_t n) {
    size_t *p = mmap(NULL, n + 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    p[0] = n + 16;
    return (char *)p + 16;
}
static void map_free(void *q) {
    if (!q) return;
    size_t *p = (size_t *)((char *)q - 16);
    munmap(p, p[0]);
}

// In the child: src -> tmp (gzip) -> dst, then src removed. Async-signal-safe
// calls and libdeflate (pure computation, allocating through map_alloc).
static void compress_child(const char *src, const char *tmp, const char *dst) {
    libdeflate_set_memory_allocator(map_alloc, map_free);
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0) _exit(1);
    size_t n = (size_t)st.st_size;
    void *data = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, in, 0) : NULL;
    if (n && data == MAP_FAILED) _exit(1);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    if (!c) _exit(1);
    size_t cap = libdeflate_gzip_compress_bound(c, n);
    char *out = map_alloc(cap);
    if (!out) _exit(1);
    size_t len = libdeflate_gzip_compress(c, data, n, out, cap);
    if (len == 0) _exit(1);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) _exit(1);
    for (size_t off = 0; off < len;) {
        ssize_t k = write(fd, out + off, len - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { unlink(tmp); _exit(1); }
        off += (size_t)k;
    }
    close(fd);
    if (rename(tmp, dst) < 0) { unlink(tmp); _exit(1); }
    unlink(src);
    _exit(0);
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
    if (pid == 0) compress_child(to, tmp, dst);
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

int hive_log_gunzip(const char *path, unsigned char **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return -1;
    if (fstat(fd, &st) < 0 || st.st_size < 18) { close(fd); errno = EINVAL; return -1; }
    size_t n = (size_t)st.st_size;
    unsigned char *in = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (in == MAP_FAILED) return -1;
    // gzip's trailer: the uncompressed size mod 2^32 (a log file is far smaller)
    size_t size = (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 | (size_t)in[n - 1] << 24;
    unsigned char *buf = malloc(size ? size : 1);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    int rc = -1;
    size_t got = 0;
    if (buf && d && libdeflate_gzip_decompress(d, in, n, buf, size, &got) == LIBDEFLATE_SUCCESS) rc = 0;
    if (d) libdeflate_free_decompressor(d);
    munmap(in, n);
    if (rc < 0) { free(buf); errno = EINVAL; return -1; }
    *out = buf;
    *len = got;
    return 0;
}
