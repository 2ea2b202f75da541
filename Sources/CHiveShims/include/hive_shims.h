// Small C helpers for what Swift cannot import directly (STYLE.md 5):
// macros, variadic functions, _GNU_SOURCE declarations, and the hashing
// byte source that feeds libarchive's tar reader.
#ifndef HIVE_SHIMS_H
#define HIVE_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

struct archive;
struct sqlite3;

// Starts `path` in a session of its own with stdio on /dev/null; does not wait.
int hive_spawn_detached(const char *path, char *const argv[]);

// Keeps freed memory in the process (mallopt; see shims.c).
void hive_malloc_tune(void);

// CapPrm of this process (capget: /proc/self/status costs ~0.2 ms to generate).
uint64_t hive_cap_permitted(void);

// ---- the state database's write-ahead log (sqlite.c) ----
// Hooks commits (frames counted, no automatic checkpoint, none on close).
int hive_sqlite_wal_setup(struct sqlite3 *db);
// Pages in the log after this process's last commit.
int hive_sqlite_wal_frames(void);
// Checkpoints and empties the log of the database at `path` (0 on success).
int hive_sqlite_checkpoint(const char *path);

// ---- SHA-256 (libcrypto; uses the CPU's SHA extensions where present) ----
typedef struct hive_sha256 hive_sha256;
hive_sha256 *hive_sha256_new(void);
void hive_sha256_update(hive_sha256 *ctx, const void *data, size_t len);
void hive_sha256_final(hive_sha256 *ctx, unsigned char out[32]);
void hive_sha256_free(hive_sha256 *ctx);

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

// ---- libarchive cast macros ----
unsigned int hive_ae_ifmt(void);
unsigned int hive_ae_ifreg(void);
unsigned int hive_ae_ifdir(void);
unsigned int hive_ae_iflnk(void);
unsigned int hive_ae_ifchr(void);
unsigned int hive_ae_ifblk(void);
unsigned int hive_ae_ififo(void);
unsigned int hive_ae_ifsock(void);

// ---- _GNU_SOURCE and macro wrappers ----
int hive_syncfs(int fd);
int hive_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
dev_t hive_makedev(unsigned int major, unsigned int minor);
int hive_open_dir_nofollow(int dirfd, const char *name);
int hive_open_path_nofollow(int dirfd, const char *name);
int hive_set_xattr_at(int dirfd, const char *name, const char *key, const void *value, size_t size);

// pipe2(O_CLOEXEC), a _GNU_SOURCE declaration Swift cannot see.
int hive_pipe_cloexec(int fds[2]);


// ---- libseccomp / libcap presence (the runtime builds on these) ----
const char *hive_seccomp_version(void);
int hive_cap_from_name(const char *name);

int hive_memfd(const char *name);

// ---- the cgroup2 device policy (devices.c) ----
// One rule: type 'a' (any), 'b' or 'c'; major/minor -1 for any; access a
// mask of HIVE_DEV_MKNOD | HIVE_DEV_READ | HIVE_DEV_WRITE.
enum { HIVE_DEV_MKNOD = 1, HIVE_DEV_READ = 2, HIVE_DEV_WRITE = 4, HIVE_DEV_MAX_RULES = 256 };
struct hive_dev_rule {
    char type;
    int64_t major, minor;
    unsigned access;
};
// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program allowing exactly `rules` (every
// other device access denied) and attaches it to the cgroup2 directory
// `cgroup_dir`, replacing the one attached before. 0, or -1 with err set.
int hive_device_filter_attach(const char *cgroup_dir, const struct hive_dev_rule *rules, size_t n, char *err, size_t errlen);
// How many device programs are attached to the cgroup2 directory itself (not
// inherited), or -1 with errno.
int hive_device_filter_count(const char *cgroup_dir);

// O_PATH, a _GNU_SOURCE name Swift's Glibc does not show (glibc defines __O_PATH always).
#include <fcntl.h>
static const int hive_O_PATH = __O_PATH;

// openat2(dirfd, path, {flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS}) (inroot.c):
// the fd, or -1 with errno (ENOSYS where the kernel lacks openat2).
int hive_openat2_in_root(int dirfd, const char *path, int flags, unsigned int mode);
// The decompressors libarchive runs in process (gzip, compress, bzip2,
// xz/lzma/lzip, zstd, lz4). archive_read_support_filter_all also enables filters that
// fork and exec `lrzip -d`, `lzop -d`, `grzip -d` found on PATH, for an
// archive that merely starts with their magic. Returns 0 if all are in process.
struct archive;
int hive_archive_support_filters(struct archive *a);

#endif
