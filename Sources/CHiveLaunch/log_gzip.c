// Compression of a rotated log file and reading one back (hive_log_writer.h):
// the libdeflate users of the log, apart from log_writer.c so that
// hive-monitor, which does not link this file, stays without the deflate code
// (it execs `hive __gzip-log` instead).
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hive_log_writer.h"
#include "launch_internal.h"

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

int hive_log_gzip_file(const char *src, const char *tmp, const char *dst) {
    libdeflate_set_memory_allocator(map_alloc, map_free);
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0) return -1;
    size_t n = (size_t)st.st_size;
    void *data = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, in, 0) : NULL;
    if (n && data == MAP_FAILED) return -1;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    if (!c) return -1;
    size_t cap = libdeflate_gzip_compress_bound(c, n);
    char *out = map_alloc(cap);
    if (!out) return -1;
    size_t len = libdeflate_gzip_compress(c, data, n, out, cap);
    if (len == 0) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (write_all(fd, out, len) < 0) { close(fd); unlink(tmp); return -1; }
    close(fd);
    if (rename(tmp, dst) < 0) { unlink(tmp); return -1; }
    unlink(src);
    return 0;
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
