// Layer compression for push (hive_compress.h): zlib's deflate with a gzip
// wrapper (mtime 0, so the same tar gives the same blob) or libzstd's
// streaming compressor with worker threads.
#include <errno.h>
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

struct hive_compressor {
    int out_fd, kind, failed;
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

hive_compressor *hive_compressor_new(int out_fd, int kind, int level, int threads, char *err, size_t errlen) {
    hive_compressor *c = calloc(1, sizeof *c);
    if (!c || !(c->out = malloc(OUTBUF))) { free(c); snprintf(err, errlen, "out of memory"); return NULL; }
    c->out_fd = out_fd;
    c->kind = kind;
    c->tar_sha = hive_sha256_new();
    c->blob_sha = hive_sha256_new();
    if (kind == HIVE_COMPRESS_GZIP) {
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
    c->kind = 0;
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
    int r = c->kind == HIVE_COMPRESS_GZIP ? gzip_run(c, NULL, 0, Z_FINISH) : zstd_run(c, NULL, 0, ZSTD_e_end);
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
    if (c->kind == HIVE_COMPRESS_GZIP) deflateEnd(&c->z);
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
