// Layer compression for push: a tar stream in, gzip (libdeflate, one member
// per 1 MiB block, on worker threads when asked) or zstd (libzstd,
// multithreaded when asked) out to a file descriptor, hashing both sides (the
// tar's digest is the layer's diffID, the output's the blob digest).
#ifndef HIVE_COMPRESS_H
#define HIVE_COMPRESS_H
#include <stddef.h>
#include <stdint.h>

enum { HIVE_COMPRESS_GZIP = 1, HIVE_COMPRESS_ZSTD = 2 };

typedef struct hive_compressor hive_compressor;
// level: gzip 1-12 (libdeflate's; 1-9 as zlib's) or zstd 1-19; threads: workers
// (0: all in this thread). gzip's output is the same for any number, 0 included.
hive_compressor *hive_compressor_new(int out_fd, int kind, int level, int threads, char *err, size_t errlen);
// Feeds tar bytes. Returns 0, or -1 (hive_compressor_error says why).
int hive_compressor_write(hive_compressor *c, const void *p, size_t n);
// Ends the stream and flushes it to out_fd. Returns 0 or -1.
int hive_compressor_finish(hive_compressor *c);
// After finish: the tar's and the output's sha256 and sizes.
void hive_compressor_results(const hive_compressor *c, unsigned char tar_digest[32], uint64_t *tar_bytes,
                             unsigned char blob_digest[32], uint64_t *blob_bytes);
const char *hive_compressor_error(const hive_compressor *c);
void hive_compressor_free(hive_compressor *c);

// Feeds the whole of in_fd (a tar file) to c. Returns 0 or -1.
int hive_compress_fd(hive_compressor *c, int in_fd);
// Feeds the tar rebuilt from a tar-split and the extracted files (see
// hive_split_copy) to c. Returns 0 or -1.
int hive_compress_split(hive_compressor *c, int split_fd, int root_fd, const char *const *paths, size_t npaths);
#endif
