// Rebuilding a layer tar from its tar-split and the extracted files.
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hive_tar.h"

#define BUF (1 << 20)

static int read_full(int fd, void *p, size_t n) {
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return 0;
        c += r; n -= (size_t)r;
    }
    return 1;
}

static uint64_t get_u64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static int archive_sink(void *ctx, const void *p, size_t n, char *err, size_t errlen) {
    struct archive *out = ctx;
    if (archive_write_data(out, p, n) != (la_ssize_t)n) {
        snprintf(err, errlen, "%s", archive_error_string(out) ? archive_error_string(out) : "write failed");
        return -1;
    }
    return 0;
}

int64_t hive_split_copy(int split_fd, int root_fd, const char *const *paths, size_t npaths,
                        struct archive *out, hive_sha256 *sha, char *err, size_t errlen) {
    return hive_split_copy_sink(split_fd, root_fd, paths, npaths, archive_sink, out, sha, err, errlen);
}

static int emit(hive_split_sink sink, void *ctx, hive_sha256 *sha, const void *p, size_t n, char *err, size_t errlen) {
    if (sha) hive_sha256_update(sha, p, n);
    return sink(ctx, p, n, err, errlen);
}

int64_t hive_split_copy_sink(int split_fd, int root_fd, const char *const *paths, size_t npaths,
                             hive_split_sink sink, void *ctx, hive_sha256 *sha, char *err, size_t errlen) {
    char *buf = malloc(BUF);
    if (!buf) { snprintf(err, errlen, "out of memory"); return -1; }
    int64_t total = 0;
    size_t next = 0;
    unsigned char h[9];
    int r;
    while ((r = read_full(split_fd, h, 9)) == 1) {
        uint64_t len = get_u64(h + 1);
        if (h[0] == 'R') {
            while (len > 0) {
                size_t n = len < BUF ? (size_t)len : BUF;
                if (read_full(split_fd, buf, n) != 1) { snprintf(err, errlen, "tar-split is truncated"); goto fail; }
                if (emit(sink, ctx, sha, buf, n, err, errlen)) goto fail;
                len -= n; total += (int64_t)n;
            }
        } else if (h[0] == 'F') {
            if (next >= npaths) { snprintf(err, errlen, "tar-split references more files than recorded"); goto fail; }
            struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
            int fd = (int)syscall(SYS_openat2, root_fd, paths[next], &how, sizeof how);
            if (fd < 0) { snprintf(err, errlen, "%s: %s", paths[next], strerror(errno)); goto fail; }
            struct stat st;
            if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != len) {
                snprintf(err, errlen, "%s: size differs from the layer's record (the layer was modified)", paths[next]);
                close(fd);
                goto fail;
            }
            uint64_t left = len;
            while (left > 0) {
                size_t n = left < BUF ? (size_t)left : BUF;
                ssize_t got = read(fd, buf, n);
                if (got < 0 && errno == EINTR) continue;
                if (got <= 0) {
                    snprintf(err, errlen, "%s: shorter than recorded (the layer was modified)", paths[next]);
                    close(fd);
                    goto fail;
                }
                if (emit(sink, ctx, sha, buf, (size_t)got, err, errlen)) { close(fd); goto fail; }
                left -= (uint64_t)got; total += got;
            }
            close(fd);
            next++;
        } else {
            snprintf(err, errlen, "tar-split is corrupt");
            goto fail;
        }
    }
    if (r < 0) { snprintf(err, errlen, "cannot read tar-split: %s", strerror(errno)); goto fail; }
    free(buf);
    return total;
fail:
    free(buf);
    return -1;
}

int64_t hive_split_size(int split_fd, char *err, size_t errlen) {
    int64_t total = 0;
    unsigned char h[9];
    for (;;) {
        size_t got = 0;
        while (got < 9) {
            ssize_t r = read(split_fd, h + got, 9 - got);
            if (r < 0) {
                if (errno == EINTR) continue;
                snprintf(err, errlen, "cannot read tar-split: %s", strerror(errno));
                return -1;
            }
            if (r == 0) break;
            got += (size_t)r;
        }
        if (got == 0) return total;
        if (got < 9 || (h[0] != 'R' && h[0] != 'F')) { snprintf(err, errlen, "tar-split is corrupt"); return -1; }
        uint64_t len = get_u64(h + 1);
        total += (int64_t)len;
        if (h[0] == 'R' && lseek(split_fd, (off_t)len, SEEK_CUR) < 0) {
            snprintf(err, errlen, "cannot read tar-split: %s", strerror(errno));
            return -1;
        }
    }
}
