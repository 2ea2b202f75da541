// Push's gzip, measured alone (issue #12's push target): MB/s and CPU time of
// block-parallel zlib (what compress.c did: 1 MiB blocks primed with the 32 KiB
// before them, sync flushes, one gzip member) against libdeflate (each block a
// whole gzip member), on a real layer tar held in memory.
//
//   cc -O2 -o /tmp/gzbench bench/gzbench.c -lz -l:libdeflate.a -lpthread
//   /tmp/gzbench LAYER.tar [THREADS]
#include <libdeflate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static unsigned char *data;
static size_t size, block;
static int level, use_deflate;
static atomic_size_t next, total_out;

static double now(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *worker(void *arg) {
    (void)arg;
    size_t cap = size < block ? size + 1024 : block + block / 8 + 1024;
    unsigned char *out = malloc(cap);
    struct libdeflate_compressor *ld = use_deflate ? libdeflate_alloc_compressor(level) : NULL;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!use_deflate) deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    for (;;) {
        size_t i = atomic_fetch_add(&next, 1), off = i * block;
        if (off >= size) break;
        size_t n = size - off < block ? size - off : block, got;
        if (use_deflate) {
            got = libdeflate_gzip_compress(ld, data + off, n, out, cap);
        } else {
            deflateReset(&z);
            if (off) deflateSetDictionary(&z, data + off - 32768, 32768);
            z.next_in = data + off; z.avail_in = (uInt)n;
            z.next_out = out; z.avail_out = (uInt)cap;
            deflate(&z, off + n == size ? Z_FINISH : Z_SYNC_FLUSH);
            got = cap - z.avail_out;
        }
        atomic_fetch_add(&total_out, got);
    }
    if (ld) libdeflate_free_compressor(ld);
    else deflateEnd(&z);
    free(out);
    return NULL;
}

static void run(const char *name, int threads) {
    atomic_store(&next, 0);
    atomic_store(&total_out, 0);
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    uint32_t crc = 0;
    if (!use_deflate) crc = (uint32_t)crc32(0, data, (uInt)size);  // zlib's one member: the CRC on the feeding thread
    pthread_t t[16];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%-10s level %2d block %4zu KiB threads %d: %7.1f MB/s wall, %5.3f s wall, %5.3f s CPU, out %zu (%.2f%%)%s\n", name,
           level, block >> 10, threads, (double)size / 1e6 / w, w, c, (size_t)total_out, 100.0 * (double)total_out / (double)size,
           crc == 1 ? "" : "");
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: gzbench LAYER.tar [THREADS]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc(size);
    if (fread(data, 1, size, f) != size) { perror("read"); return 1; }
    fclose(f);
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    printf("input %zu bytes\n", size);
    block = 1 << 20;
    for (level = 1; level <= 1; level++) { use_deflate = 0; run("zlib", threads); }
    for (size_t b = 1 << 20; b <= 4 << 20; b <<= 1) {
        block = b;
        for (level = 1; level <= 1; level++) { use_deflate = 1; run("libdeflate", threads); }
    }
    block = 1 << 20;
    int levels[] = { 2, 3, 4, 6 };
    for (int i = 0; i < 4; i++) { level = levels[i]; use_deflate = 1; run("libdeflate", threads); }
    level = 6; use_deflate = 0; run("zlib", threads);
    return 0;
}
