// A hashing, optionally teeing, optionally decompressing byte source for
// libarchive's tar reader. The tar reader pulls bytes through src_read; each
// byte is hashed (the diffID) and copied to the tee fd (the blob being stored).
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hive_shims.h"
#include "tarscan.h"

#define SRC_BUF (1 << 20)

struct hive_src {
    int fd;
    int tee_fd;
    struct archive *raw;    // decompressor (raw format), or NULL to read fd directly
    struct archive *tar;    // the tar reader fed by this source
    hive_sha256 *sha;
    uint64_t bytes;
    int eof;
    char *buf;
    tarscan scan;
    char error[256];
};

static void set_err(char *err, size_t len, const char *msg) {
    if (err && len) snprintf(err, len, "%s", msg);
}

hive_src *hive_src_open(int fd, int decompress, int tee_fd, int split_fd, char *err, size_t errlen) {
    hive_src *s = calloc(1, sizeof *s);
    if (!s) { set_err(err, errlen, "out of memory"); return NULL; }
    s->scan.split_fd = split_fd;
    s->fd = fd;
    s->tee_fd = tee_fd;
    s->buf = malloc(SRC_BUF);
    s->sha = hive_sha256_new();
    if (!s->buf || !s->sha) { set_err(err, errlen, "out of memory"); hive_src_free(s); return NULL; }
    if (decompress) {
        s->raw = archive_read_new();
        archive_read_support_filter_all(s->raw);
        archive_read_support_format_raw(s->raw);
        if (archive_read_open_fd(s->raw, fd, SRC_BUF) != ARCHIVE_OK) {
            set_err(err, errlen, archive_error_string(s->raw) ? archive_error_string(s->raw) : "cannot read input");
            hive_src_free(s);
            return NULL;
        }
        struct archive_entry *e;
        int r = archive_read_next_header(s->raw, &e);
        if (r == ARCHIVE_EOF) { s->eof = 1; }
        else if (r != ARCHIVE_OK) {
            set_err(err, errlen, archive_error_string(s->raw) ? archive_error_string(s->raw) : "cannot read input");
            hive_src_free(s);
            return NULL;
        }
    }
    return s;
}

// Reads up to SRC_BUF decompressed bytes into s->buf; hashes and tees them.
static ssize_t src_fill(hive_src *s) {
    if (s->eof) return 0;
    ssize_t n;
    if (s->raw) {
        n = archive_read_data(s->raw, s->buf, SRC_BUF);
        if (n < 0) {
            snprintf(s->error, sizeof s->error, "%s", archive_error_string(s->raw) ? archive_error_string(s->raw) : "decompression failed");
            return -1;
        }
    } else {
        do { n = read(s->fd, s->buf, SRC_BUF); } while (n < 0 && errno == EINTR);
        if (n < 0) { snprintf(s->error, sizeof s->error, "read: %s", strerror(errno)); return -1; }
    }
    if (n == 0) { s->eof = 1; return 0; }
    hive_sha256_update(s->sha, s->buf, (size_t)n);
    tarscan_feed(&s->scan, (const unsigned char *)s->buf, (size_t)n);
    s->bytes += (uint64_t)n;
    if (s->tee_fd >= 0) {
        const char *p = s->buf;
        size_t left = (size_t)n;
        while (left > 0) {
            ssize_t w = write(s->tee_fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                snprintf(s->error, sizeof s->error, "write: %s", strerror(errno));
                return -1;
            }
            p += w; left -= (size_t)w;
        }
    }
    return n;
}

static la_ssize_t src_read(struct archive *a, void *client, const void **out) {
    hive_src *s = client;
    ssize_t n = src_fill(s);
    if (n < 0) { archive_set_error(a, EIO, "%s", s->error); return -1; }
    *out = s->buf;
    return n;
}

struct archive *hive_src_tar(hive_src *s, char *err, size_t errlen) {
    if (s->tar) return s->tar;
    s->tar = archive_read_new();
    archive_read_support_format_tar(s->tar);
    archive_read_support_format_gnutar(s->tar);
    if (archive_read_open2(s->tar, s, NULL, src_read, NULL, NULL) != ARCHIVE_OK) {
        set_err(err, errlen, archive_error_string(s->tar) ? archive_error_string(s->tar) : "not a tar archive");
        return NULL;
    }
    return s->tar;
}

int hive_src_drain(hive_src *s, char *err, size_t errlen) {
    for (;;) {
        ssize_t n = src_fill(s);
        if (n < 0) { set_err(err, errlen, s->error); return -1; }
        if (n == 0) return 0;
    }
}

void hive_src_digest(hive_src *s, unsigned char out[32]) { hive_sha256_final(s->sha, out); }
uint64_t hive_src_bytes(const hive_src *s) { return s->bytes; }
int hive_src_nul_name(const hive_src *s, const char **raw, size_t *len) {
    if (raw) *raw = s->scan.nul_raw;
    if (len) *len = s->scan.nul_len;
    return s->scan.nul_name;
}
int hive_src_split_finish(hive_src *s) { return s->scan.split_fd < 0 ? -1 : tarscan_finish(&s->scan); }
const uint64_t *hive_src_split_sizes(const hive_src *s, size_t *count) {
    *count = s->scan.nsizes;
    return s->scan.sizes;
}
const char *hive_src_error(const hive_src *s) { return s->error[0] ? s->error : NULL; }

void hive_src_free(hive_src *s) {
    if (!s) return;
    if (s->tar) archive_read_free(s->tar);
    if (s->raw) archive_read_free(s->raw);
    hive_sha256_free(s->sha);
    tarscan_free(&s->scan);
    free(s->buf);
    free(s);
}
