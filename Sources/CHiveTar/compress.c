// Layer compression for push (hive_compress.h): zlib's deflate with a gzip
// wrapper (mtime 0, so the same tar gives the same blob) or libzstd's
// streaming compressor with worker threads. gzip with threads is compressed
// as pigz and Go's pgzip do: 1 MiB blocks deflated on worker threads, each
// primed with the 32 KiB before it and ended with a sync flush, written in
// order between one gzip header and trailer (the CRC is computed here); the
// output depends on the block size only, not on the number of threads.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "hive_compress.h"
#include "hive_tar.h"

#define OUTBUF (1 << 20)
#define INBUF (1 << 20)

#define PBLOCK (1 << 20)
#define PDICT 32768

// One block of parallel gzip: free -> ready (filled) -> working -> done (or failed) -> written -> free.
enum { SLOT_FREE, SLOT_READY, SLOT_WORKING, SLOT_DONE, SLOT_FAILED };
struct pslot {
    unsigned char *in, *out;
    size_t in_len, out_len, out_cap, dict_len;
    unsigned char dict[PDICT];
    int state, last;
};

struct pgz {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pslot *slots;
    int nslots, fill, drain, pending, stop, level;
    pthread_t *threads;
    int nthreads;
    uint32_t crc;
    uint64_t isize;
};

struct hive_compressor {
    int out_fd, kind, failed;
    struct pgz *pgz;
    z_stream z;
    ZSTD_CCtx *zc;
    hive_sha256 *tar_sha, *blob_sha;
    uint64_t tar_bytes, blob_bytes;
    unsigned char *out;
    char error[256];
    unsigned char tar_digest[32], blob_digest[32];
};

static int fail(hive_compressor *c, const char *what, const char *why) {
    if (!c->failed) snprintf(c->error, sizeof c->error, "%s: %s", what, why);
    c->failed = 1;
    return -1;
}

static int put(hive_compressor *c, const unsigned char *p, size_t n) {
    hive_sha256_update(c->blob_sha, p, n);
    c->blob_bytes += n;
    while (n > 0) {
        ssize_t w = write(c->out_fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return fail(c, "cannot write the compressed layer", strerror(errno));
        }
        p += w; n -= (size_t)w;
    }
    return 0;
}

// ---- parallel gzip ----

static void *pgz_worker(void *arg) {
    struct pgz *p = arg;
    z_stream z;
    memset(&z, 0, sizeof z);
    int ready = deflateInit2(&z, p->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct pslot *s = NULL;
        for (int k = 0; k < p->nslots && !s; k++) {
            struct pslot *t = &p->slots[(p->drain + k) % p->nslots];
            if (t->state == SLOT_READY) s = t;
        }
        if (!s) {
            if (p->stop) break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        s->state = SLOT_WORKING;
        pthread_mutex_unlock(&p->mu);
        int ok = 0;
        if (ready && deflateReset(&z) == Z_OK && (!s->dict_len || deflateSetDictionary(&z, s->dict, (uInt)s->dict_len) == Z_OK)) {
            z.next_in = s->in;
            z.avail_in = (uInt)s->in_len;
            z.next_out = s->out;
            z.avail_out = (uInt)s->out_cap;
            int r = deflate(&z, s->last ? Z_FINISH : Z_SYNC_FLUSH);
            ok = s->last ? r == Z_STREAM_END : (r == Z_OK || r == Z_BUF_ERROR) && z.avail_in == 0 && z.avail_out > 0;
            s->out_len = s->out_cap - z.avail_out;
        }
        pthread_mutex_lock(&p->mu);
        s->state = ok ? SLOT_DONE : SLOT_FAILED;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (ready) deflateEnd(&z);
    return NULL;
}

static void pgz_free(struct pgz *p) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    for (int i = 0; p->slots && i < p->nslots; i++) { free(p->slots[i].in); free(p->slots[i].out); }
    free(p->slots);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

static int pgz_start(hive_compressor *c, int level, int threads, char *err, size_t errlen) {
    static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };  // no name, mtime 0, Unix
    struct pgz *p = calloc(1, sizeof *p);
    if (!p) { snprintf(err, errlen, "out of memory"); return -1; }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->level = level;
    p->crc = (uint32_t)crc32(0, NULL, 0);
    p->nslots = 2 * threads + 2;
    p->slots = calloc((size_t)p->nslots, sizeof *p->slots);
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    c->pgz = p;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!p->slots || !p->threads || deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(err, errlen, "cannot start gzip compression");
        return -1;
    }
    size_t cap = deflateBound(&z, PBLOCK) + 64;  // + the sync flush's empty block
    deflateEnd(&z);
    for (int i = 0; i < p->nslots; i++) {
        p->slots[i].in = malloc(PBLOCK);
        p->slots[i].out = malloc(cap);
        p->slots[i].out_cap = cap;
        if (!p->slots[i].in || !p->slots[i].out) { snprintf(err, errlen, "out of memory"); return -1; }
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, pgz_worker, p) != 0) break;
        p->nthreads++;
    }
    if (p->nthreads == 0) { snprintf(err, errlen, "cannot start compression threads"); return -1; }
    return put(c, header, sizeof header);
}

// Writes done blocks out in order until the next block to fill is free, or
// (all) every block is written; called with the lock held.
static int pgz_drain(hive_compressor *c, int all) {
    struct pgz *p = c->pgz;
    for (;;) {
        struct pslot *d = &p->slots[p->drain];
        if (p->pending > 0 && d->state == SLOT_DONE) {
            pthread_mutex_unlock(&p->mu);
            int r = put(c, d->out, d->out_len);
            pthread_mutex_lock(&p->mu);
            if (r) return -1;
            d->state = SLOT_FREE;
            p->drain = (p->drain + 1) % p->nslots;
            p->pending--;
            continue;
        }
        if (p->pending > 0 && d->state == SLOT_FAILED) return fail(c, "gzip", "a block did not compress");
        if (all ? p->pending == 0 : p->slots[p->fill].state == SLOT_FREE) return 0;
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

// Hands the block being filled to the workers; makes the next one ready to fill.
static int pgz_submit(hive_compressor *c, int last) {
    struct pgz *p = c->pgz;
    pthread_mutex_lock(&p->mu);
    int prev = p->fill;
    p->slots[prev].last = last;
    p->slots[prev].state = SLOT_READY;
    p->pending++;
    pthread_cond_broadcast(&p->cv);
    p->fill = (p->fill + 1) % p->nslots;
    int r = pgz_drain(c, last);
    pthread_mutex_unlock(&p->mu);
    if (r || last) return r;
    // the next block is primed with the end of this one (its input stays until it is refilled)
    struct pslot *s = &p->slots[prev], *n = &p->slots[p->fill];
    n->dict_len = s->in_len < PDICT ? s->in_len : PDICT;
    memcpy(n->dict, s->in + s->in_len - n->dict_len, n->dict_len);
    n->in_len = 0;
    return 0;
}

static int pgz_write(hive_compressor *c, const void *data, size_t n) {
    struct pgz *p = c->pgz;
    const unsigned char *b = data;
    p->isize += n;
    while (n > 0) {
        struct pslot *s = &p->slots[p->fill];
        size_t room = PBLOCK - s->in_len, take = n < room ? n : room;
        p->crc = (uint32_t)crc32(p->crc, b, (uInt)take);
        memcpy(s->in + s->in_len, b, take);
        s->in_len += take;
        b += take; n -= take;
        if (s->in_len == PBLOCK && pgz_submit(c, 0)) return -1;
    }
    return 0;
}

static int pgz_finish(hive_compressor *c) {
    struct pgz *p = c->pgz;
    if (pgz_submit(c, 1)) return -1;
    unsigned char trailer[8];
    for (int i = 0; i < 4; i++) trailer[i] = (unsigned char)(p->crc >> (8 * i));
    for (int i = 0; i < 4; i++) trailer[4 + i] = (unsigned char)(p->isize >> (8 * i));
    return put(c, trailer, sizeof trailer);
}

hive_compressor *hive_compressor_new(int out_fd, int kind, int level, int threads, char *err, size_t errlen) {
    hive_compressor *c = calloc(1, sizeof *c);
    if (!c || !(c->out = malloc(OUTBUF))) { free(c); snprintf(err, errlen, "out of memory"); return NULL; }
    c->out_fd = out_fd;
    c->kind = kind;
    c->tar_sha = hive_sha256_new();
    c->blob_sha = hive_sha256_new();
    if (kind == HIVE_COMPRESS_GZIP && threads > 0) {
        if (pgz_start(c, level, threads, err, errlen)) goto bad;
    } else if (kind == HIVE_COMPRESS_GZIP) {
        // windowBits 15 + 16: a gzip header (no name, mtime 0) and trailer
        if (deflateInit2(&c->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            snprintf(err, errlen, "cannot start gzip compression");
            goto bad;
        }
    } else if (kind == HIVE_COMPRESS_ZSTD) {
        c->zc = ZSTD_createCCtx();
        if (!c->zc || ZSTD_isError(ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level))) {
            snprintf(err, errlen, "cannot start zstd compression");
            goto bad;
        }
        // a libzstd built without threads refuses: compress in this thread then
        if (threads > 0) (void)ZSTD_CCtx_setParameter(c->zc, ZSTD_c_nbWorkers, threads);
    } else {
        snprintf(err, errlen, "unknown compression %d", kind);
        goto bad;
    }
    return c;
bad:
    if (!c->pgz) c->kind = 0;
    hive_compressor_free(c);
    return NULL;
}

static int gzip_run(hive_compressor *c, const void *p, size_t n, int flush) {
    c->z.next_in = (Bytef *)p;
    c->z.avail_in = (uInt)n;
    for (;;) {
        c->z.next_out = c->out;
        c->z.avail_out = OUTBUF;
        int r = deflate(&c->z, flush);
        if (r == Z_STREAM_ERROR) return fail(c, "gzip", "stream error");
        size_t have = OUTBUF - c->z.avail_out;
        if (have && put(c, c->out, have)) return -1;
        if (flush == Z_FINISH ? r == Z_STREAM_END : c->z.avail_in == 0 && c->z.avail_out != 0) return 0;
    }
}

static int zstd_run(hive_compressor *c, const void *p, size_t n, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in = { p, n, 0 };
    for (;;) {
        ZSTD_outBuffer out = { c->out, OUTBUF, 0 };
        size_t left = ZSTD_compressStream2(c->zc, &out, &in, mode);
        if (ZSTD_isError(left)) return fail(c, "zstd", ZSTD_getErrorName(left));
        if (out.pos && put(c, c->out, out.pos)) return -1;
        if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return 0;
    }
}

int hive_compressor_write(hive_compressor *c, const void *p, size_t n) {
    if (c->failed) return -1;
    hive_sha256_update(c->tar_sha, p, n);
    c->tar_bytes += n;
    if (c->pgz) return pgz_write(c, p, n);
    const unsigned char *b = p;
    while (n > 0) {  // zlib's avail_in is 32 bits
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        int r = c->kind == HIVE_COMPRESS_GZIP ? gzip_run(c, b, chunk, Z_NO_FLUSH) : zstd_run(c, b, chunk, ZSTD_e_continue);
        if (r) return -1;
        b += chunk; n -= chunk;
    }
    return 0;
}

int hive_compressor_finish(hive_compressor *c) {
    if (c->failed) return -1;
    int r = c->pgz ? pgz_finish(c) : c->kind == HIVE_COMPRESS_GZIP ? gzip_run(c, NULL, 0, Z_FINISH) : zstd_run(c, NULL, 0, ZSTD_e_end);
    if (r) return -1;
    hive_sha256_final(c->tar_sha, c->tar_digest);
    hive_sha256_final(c->blob_sha, c->blob_digest);
    return 0;
}

void hive_compressor_results(const hive_compressor *c, unsigned char tar_digest[32], uint64_t *tar_bytes,
                             unsigned char blob_digest[32], uint64_t *blob_bytes) {
    memcpy(tar_digest, c->tar_digest, 32);
    memcpy(blob_digest, c->blob_digest, 32);
    *tar_bytes = c->tar_bytes;
    *blob_bytes = c->blob_bytes;
}

const char *hive_compressor_error(const hive_compressor *c) { return c->failed ? c->error : NULL; }

void hive_compressor_free(hive_compressor *c) {
    if (!c) return;
    if (c->pgz) pgz_free(c->pgz);
    else if (c->kind == HIVE_COMPRESS_GZIP) deflateEnd(&c->z);
    if (c->zc) ZSTD_freeCCtx(c->zc);
    if (c->tar_sha) hive_sha256_free(c->tar_sha);
    if (c->blob_sha) hive_sha256_free(c->blob_sha);
    free(c->out);
    free(c);
}

int hive_compress_fd(hive_compressor *c, int in_fd) {
    unsigned char *buf = malloc(INBUF);
    if (!buf) return fail(c, "compress", "out of memory");
    for (;;) {
        ssize_t n = read(in_fd, buf, INBUF);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { free(buf); return fail(c, "cannot read the layer", strerror(errno)); }
        if (n == 0) break;
        if (hive_compressor_write(c, buf, (size_t)n)) { free(buf); return -1; }
    }
    free(buf);
    return 0;
}

static int split_sink(void *ctx, const void *p, size_t n, char *err, size_t errlen) {
    hive_compressor *c = ctx;
    if (hive_compressor_write(c, p, n) == 0) return 0;
    snprintf(err, errlen, "%s", c->error);
    return -1;
}

int hive_compress_split(hive_compressor *c, int split_fd, int root_fd, const char *const *paths, size_t npaths) {
    char err[256] = "";
    // hashing happens in the compressor (the tar side): no second hasher here
    if (hive_split_copy_sink(split_fd, root_fd, paths, npaths, split_sink, c, NULL, err, sizeof err) < 0)
        return fail(c, "cannot rebuild the layer", err);
    return 0;
}
