// A hashing, optionally teeing, optionally decompressing byte source for
// libarchive's tar reader. The tar reader pulls bytes through src_read; each
// byte is hashed (the diffID) and copied to the tee fd (the blob being stored).
// A compressed input is also hashed as it is read from the fd, before the
// decompressor (the blob digest a registry names a layer by), on the same
// hashing thread (two input buffers: the decompressor reads one while the
// other is hashed).
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hive_tar.h"
#include "tarscan.h"

#define SRC_BUF (1 << 20)
#define NBUF 4

struct hive_src {
    int fd;
    int tee_fd;
    struct archive *raw;    // decompressor (raw format), or NULL to read fd directly
    struct archive *outer;  // or: the current entry of an enclosing archive
    struct archive *tar;    // the tar reader fed by this source
    hive_sha256 *sha;
    uint64_t bytes;
    hive_sha256 *raw_sha;   // the compressed bytes as read from fd (only when decompressing)
    uint64_t raw_bytes;
    char *inbufs[2];        // compressed input buffers (inbuf is the current one)
    int incur, rawhead;
    size_t rawq[2];         // bytes queued for the raw hash in each; 0 = free
    int raw_queued;
    int raw_done;
    unsigned char raw_out[32];
    int eof;
    char *buf;              // the buffer last handed out (bufs[cur])
    char *bufs[NBUF];
    int cur;
    // hashing (and teeing) runs on a second thread, one buffer behind
    pthread_t hasher;
    int hasher_started, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t qlen[NBUF];      // bytes queued in each buffer; 0 = free
    int qhead, qcount;
    char hash_error[256];
    size_t pending;         // peeked bytes waiting in buf (uncompressed input)
    char *inbuf;            // compressed input buffer for the decompressor
    size_t in_pending;      // peeked bytes waiting in inbuf
    tarscan scan;
    char error[256];
};

static void set_err(char *err, size_t len, const char *msg) {
    if (err && len) snprintf(err, len, "%s", msg);
}

// Hands a filled buffer (`*len` its slot) to the hashing thread.
static void queue_buf(hive_src *s, size_t *len, int *count, size_t n) {
    pthread_mutex_lock(&s->mu);
    *len = n;
    (*count)++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

// Waits until the hashing thread is done with a buffer (its slot `*len`).
static void wait_free(hive_src *s, const size_t *len) {
    pthread_mutex_lock(&s->mu);
    while (*len != 0) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

// Feeds the decompressor: the peeked bytes first, then the fd.
static la_ssize_t raw_read(struct archive *a, void *client, const void **out) {
    hive_src *s = client;
    *out = s->inbuf;
    if (s->in_pending) {  // peeked (and hashed) bytes, in inbufs[0]
        size_t n = s->in_pending;
        s->in_pending = 0;
        return (la_ssize_t)n;
    }
    // The other buffer: libarchive is done with it; wait until it is hashed.
    s->incur ^= 1;
    wait_free(s, &s->rawq[s->incur]);
    s->inbuf = s->inbufs[s->incur];
    *out = s->inbuf;
    ssize_t n;
    do { n = read(s->fd, s->inbuf, SRC_BUF); } while (n < 0 && errno == EINTR);
    if (n < 0) { archive_set_error(a, errno, "read: %s", strerror(errno)); return -1; }
    if (n > 0) {
        s->raw_bytes += (uint64_t)n;
        queue_buf(s, &s->rawq[s->incur], &s->raw_queued, (size_t)n);
    }
    return n;
}

// The hashing thread: hashes (and tees) queued buffers in order, and the
// compressed input buffers (in their order) into the raw hash.
static void *hasher_main(void *arg) {
    hive_src *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->qcount == 0 && s->raw_queued == 0 && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
        if (s->raw_queued) {
            int ri = s->rawhead;
            size_t rlen = s->rawq[ri];
            pthread_mutex_unlock(&s->mu);
            hive_sha256_update(s->raw_sha, s->inbufs[ri], rlen);
            pthread_mutex_lock(&s->mu);
            s->rawq[ri] = 0;
            s->rawhead ^= 1;
            s->raw_queued--;
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        if (s->qcount == 0) break;
        int idx = s->qhead;
        size_t len = s->qlen[idx];
        pthread_mutex_unlock(&s->mu);
        hive_sha256_update(s->sha, s->bufs[idx], len);
        if (s->tee_fd >= 0 && !s->hash_error[0]) {
            const char *p = s->bufs[idx];
            size_t left = len;
            while (left > 0) {
                ssize_t w = write(s->tee_fd, p, left);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    snprintf(s->hash_error, sizeof s->hash_error, "write: %s", strerror(errno));
                    break;
                }
                p += w; left -= (size_t)w;
            }
        }
        pthread_mutex_lock(&s->mu);
        s->qlen[idx] = 0;
        s->qhead = (s->qhead + 1) % NBUF;
        s->qcount--;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

// Waits until the hashing thread has caught up.
static void wait_hashed(hive_src *s) {
    pthread_mutex_lock(&s->mu);
    while (s->qcount > 0) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

hive_src *hive_src_open(int fd, int decompress, int tee_fd, int split_fd, char *err, size_t errlen) {
    hive_src *s = calloc(1, sizeof *s);
    if (!s) { set_err(err, errlen, "out of memory"); return NULL; }
    s->scan.split_fd = split_fd;
    s->fd = fd;
    s->tee_fd = tee_fd;
    for (int i = 0; i < NBUF; i++) {
        s->bufs[i] = malloc(SRC_BUF);
        if (!s->bufs[i]) { set_err(err, errlen, "out of memory"); hive_src_free(s); return NULL; }
    }
    s->buf = s->bufs[0];
    s->cur = decompress ? 0 : NBUF - 1;  // peeked bytes sit in bufs[0]; otherwise the first read goes there
    s->sha = hive_sha256_new();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (!s->sha || pthread_create(&s->hasher, NULL, hasher_main, s) != 0) {
        set_err(err, errlen, "cannot start the hashing thread");
        hive_src_free(s);
        return NULL;
    }
    s->hasher_started = 1;
    if (decompress) {
        // Peek at the first bytes: an uncompressed tar is read straight from
        // the fd (no extra copy through libarchive's raw reader).
        size_t got = 0;
        while (got < 6) {
            ssize_t r = read(fd, s->buf + got, SRC_BUF - got);
            if (r < 0) { if (errno == EINTR) continue; set_err(err, errlen, strerror(errno)); hive_src_free(s); return NULL; }
            if (r == 0) break;
            got += (size_t)r;
        }
        const unsigned char *m = (const unsigned char *)s->buf;
        int compressed = got >= 2 && ((m[0] == 0x1f && (m[1] == 0x8b || m[1] == 0x9d)) ||
            (got >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||
            (got >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
            (got >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18) ||
            (got >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z' && m[5] == 0) ||
            (got >= 4 && m[0] == 'L' && m[1] == 'Z' && m[2] == 'I' && m[3] == 'P'));
        if (!compressed) {
            s->pending = got;
            if (got == 0) s->eof = 1;
            return s;
        }
        s->inbufs[0] = malloc(SRC_BUF);
        s->inbufs[1] = malloc(SRC_BUF);
        s->inbuf = s->inbufs[0];
        s->rawhead = 1;  // the peeked bytes are hashed here; the first read fills inbufs[1]
        if (!s->inbufs[0] || !s->inbufs[1]) { set_err(err, errlen, "out of memory"); hive_src_free(s); return NULL; }
        memcpy(s->inbuf, s->buf, got);
        s->in_pending = got;
        s->raw_sha = hive_sha256_new();
        if (!s->raw_sha) { set_err(err, errlen, "out of memory"); hive_src_free(s); return NULL; }
        hive_sha256_update(s->raw_sha, s->inbuf, got);
        s->raw_bytes = got;
        s->cur = NBUF - 1;  // the first decompressed chunk goes to bufs[0], where the hasher starts
        s->raw = archive_read_new();
        hive_archive_support_filters(s->raw);  // never filter_all: it execs lrzip/lzop/grzip
        archive_read_support_format_raw(s->raw);
        if (archive_read_open2(s->raw, s, NULL, raw_read, NULL, NULL) != ARCHIVE_OK) {
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

hive_src *hive_src_open_entry(struct archive *outer, const void *initial, size_t initial_len, int tee_fd, int split_fd,
                              char *err, size_t errlen) {
    if (initial_len > SRC_BUF) { set_err(err, errlen, "initial chunk too large"); return NULL; }
    hive_src *s = hive_src_open(-1, 0, tee_fd, split_fd, err, errlen);
    if (!s) return NULL;
    s->outer = outer;
    memcpy(s->bufs[0], initial, initial_len);
    s->pending = initial_len;
    s->cur = 0;
    if (initial_len == 0) s->eof = 1;
    return s;
}

// Reads up to SRC_BUF decompressed bytes into the next buffer (s->buf), scans
// them, and queues them for hashing and teeing.
static ssize_t src_fill(hive_src *s) {
    if (s->eof) return 0;
    ssize_t n;
    if (s->pending) {  // peeked bytes, already in bufs[0]
        n = (ssize_t)s->pending;
        s->pending = 0;
    } else {
        s->cur = (s->cur + 1) % NBUF;
        wait_free(s, &s->qlen[s->cur]);
        char *b = s->bufs[s->cur];
        if (s->raw || s->outer) {
            n = archive_read_data(s->raw ? s->raw : s->outer, b, SRC_BUF);
            if (n < 0) {
                struct archive *src = s->raw ? s->raw : s->outer;
                snprintf(s->error, sizeof s->error, "%s", archive_error_string(src) ? archive_error_string(src) : "decompression failed");
                return -1;
            }
        } else {
            do { n = read(s->fd, b, SRC_BUF); } while (n < 0 && errno == EINTR);
            if (n < 0) { snprintf(s->error, sizeof s->error, "read: %s", strerror(errno)); return -1; }
        }
    }
    s->buf = s->bufs[s->cur];
    if (n == 0) { s->eof = 1; return 0; }
    tarscan_feed(&s->scan, (const unsigned char *)s->buf, (size_t)n);
    s->bytes += (uint64_t)n;
    queue_buf(s, &s->qlen[s->cur], &s->qcount, (size_t)n);
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
        if (n == 0) break;
    }
    wait_hashed(s);
    if (s->hash_error[0]) { set_err(err, errlen, s->hash_error); return -1; }
    return 0;
}

void hive_src_digest(hive_src *s, unsigned char out[32]) {
    wait_hashed(s);
    hive_sha256_final(s->sha, out);
}
uint64_t hive_src_bytes(const hive_src *s) { return s->bytes; }

int hive_src_raw_digest(hive_src *s, unsigned char out[32], uint64_t *bytes) {
    if (!s->raw_sha) return 0;
    if (s->raw_done) goto done;
    pthread_mutex_lock(&s->mu);
    while (s->raw_queued > 0) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    // Whatever follows the compressed stream is part of the blob too.
    for (;;) {
        ssize_t n;
        do { n = read(s->fd, s->inbuf, SRC_BUF); } while (n < 0 && errno == EINTR);
        if (n < 0) { snprintf(s->error, sizeof s->error, "read: %s", strerror(errno)); return -1; }
        if (n == 0) break;
        hive_sha256_update(s->raw_sha, s->inbuf, (size_t)n);
        s->raw_bytes += (uint64_t)n;
    }
    hive_sha256_final(s->raw_sha, s->raw_out);
    s->raw_done = 1;
done:
    memcpy(out, s->raw_out, 32);
    if (bytes) *bytes = s->raw_bytes;
    return 1;
}
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
const char *hive_src_error(const hive_src *s) {
    return s->error[0] ? s->error : s->hash_error[0] ? s->hash_error : NULL;
}

void hive_src_free(hive_src *s) {
    if (!s) return;
    if (s->hasher_started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->hasher, NULL);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    if (s->tar) archive_read_free(s->tar);
    if (s->raw) archive_read_free(s->raw);
    hive_sha256_free(s->sha);
    hive_sha256_free(s->raw_sha);
    tarscan_free(&s->scan);
    for (int i = 0; i < NBUF; i++) free(s->bufs[i]);
    free(s->inbufs[0]);
    free(s->inbufs[1]);
    free(s);
}
