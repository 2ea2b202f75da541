// libarchive helpers: the hashing, teeing, decompressing byte source that
// feeds the tar reader, tar-split, cast macros, the decompressor set.
#ifndef HIVE_TAR_H
#define HIVE_TAR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hive_platform.h"
struct archive;
// ---- A byte source feeding a tar reader while hashing (and optionally teeing) ----
// The source reads `fd`; with `decompress` it first undoes gzip/zstd/xz/bzip2
// through libarchive's raw format. Every decompressed byte the tar reader
// consumes is hashed (the layer's diffID) and, when tee_fd >= 0, written to tee_fd.
// With split_fd >= 0 the source also writes a tar-split there: every byte but
// regular files' content, so the exact tar can be rebuilt from the extracted
// files (hive_split_copy) instead of being stored twice.
typedef struct hive_src hive_src;
hive_src *hive_src_open(int fd, int decompress, int tee_fd, int split_fd, char *err, size_t errlen);
// A source reading the current entry of an enclosing archive (a layer inside
// a docker-archive): `initial` holds bytes already read from that entry.
hive_src *hive_src_open_entry(struct archive *outer, const void *initial, size_t initial_len, int tee_fd, int split_fd,
                              char *err, size_t errlen);
// A libarchive tar reader reading from the source (owned by the source).
struct archive *hive_src_tar(hive_src *src, char *err, size_t errlen);
// Reads the rest of the stream (padding after the end-of-archive blocks) so the
// digest covers every byte. Returns 0, or -1 with err set.
int hive_src_drain(hive_src *src, char *err, size_t errlen);
void hive_src_digest(hive_src *src, unsigned char out[32]);
uint64_t hive_src_bytes(const hive_src *src);
// After the stream is drained: the digest and size of the bytes read from fd
// (the compressed blob, with anything after its end read too) when they were
// decompressed: returns 1; 0 when the input was not compressed (the blob is
// the stream: its digest is hive_src_digest's); -1 on a read error.
int hive_src_raw_digest(hive_src *src, unsigned char out[32], uint64_t *bytes);
// The first error the source saw (I/O, decompression, tee), or NULL.
const char *hive_src_error(const hive_src *src);
// Whether a pax path/linkpath or GNU long name with a NUL byte has been read.
int hive_src_nul_name(const hive_src *src, const char **raw, size_t *len);
void hive_src_free(hive_src *src);
// After the stream is drained: 0 if the split is complete and faithful.
int hive_src_split_finish(hive_src *src);
// The content sizes of the regular files the split references, in order.
const uint64_t *hive_src_split_sizes(const hive_src *src, size_t *count);

// Rebuilds the tar from a split and the extracted files (paths[i] is the
// i-th regular file, relative to root_fd, opened without following any
// symlink), writing it to the libarchive writer `out` (current entry) and
// hashing it. Returns the number of bytes written, or -1 with err set.
int64_t hive_split_copy(int split_fd, int root_fd, const char *const *paths, size_t npaths,
                        struct archive *out, hive_sha256 *sha, char *err, size_t errlen);
// The same, writing to `sink` (0, or -1 with err set); sha may be NULL.
typedef int (*hive_split_sink)(void *ctx, const void *p, size_t n, char *err, size_t errlen);
int64_t hive_split_copy_sink(int split_fd, int root_fd, const char *const *paths, size_t npaths,
                             hive_split_sink sink, void *ctx, hive_sha256 *sha, char *err, size_t errlen);
// The size of the tar a split rebuilds (its raw records and file contents),
// without reading the files; -1 with err set.
int64_t hive_split_size(int split_fd, char *err, size_t errlen);

// ---- libarchive cast macros ----
unsigned int hive_ae_ifmt(void);
unsigned int hive_ae_ifreg(void);
unsigned int hive_ae_ifdir(void);
unsigned int hive_ae_iflnk(void);
unsigned int hive_ae_ifchr(void);
unsigned int hive_ae_ifblk(void);
unsigned int hive_ae_ififo(void);
unsigned int hive_ae_ifsock(void);

// The decompressors libarchive runs in process (gzip, compress, bzip2,
// xz/lzma/lzip, zstd, lz4). archive_read_support_filter_all also enables filters that
// fork and exec `lrzip -d`, `lzop -d`, `grzip -d` found on PATH, for an
// archive that merely starts with their magic. Returns 0 if all are in process.
struct archive;
int hive_archive_support_filters(struct archive *a);

#endif
