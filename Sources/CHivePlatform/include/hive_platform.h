// The bottom C target (STYLE.md 5): system calls Swift cannot see (macros,
// variadics, _GNU_SOURCE declarations) and SHA-256 through libcrypto.
#ifndef HIVE_PLATFORM_H
#define HIVE_PLATFORM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>
// Starts `path` in a session of its own with stdio on /dev/null; does not wait.
int hive_spawn_detached(const char *path, char *const argv[]);
// Reaps the detached children that have exited (a long-lived process's duty).
void hive_reap_detached(void);

// Keeps freed memory in the process (mallopt; see platform.c).
void hive_malloc_tune(void);


// ---- _GNU_SOURCE and macro wrappers ----
int hive_syncfs(int fd);
// pidfd_open(2), close-on-exec: -1 (errno) on failure.
int hive_pidfd_open(pid_t pid);
int hive_renameat2_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
dev_t hive_makedev(unsigned int major, unsigned int minor);
int hive_open_dir_nofollow(int dirfd, const char *name);
int hive_open_path_nofollow(int dirfd, const char *name);
int hive_set_xattr_at(int dirfd, const char *name, const char *key, const void *value, size_t size);

// pipe2(O_CLOEXEC), a _GNU_SOURCE declaration Swift cannot see.
int hive_pipe_cloexec(int fds[2]);


int hive_memfd(const char *name);
// O_PATH, a _GNU_SOURCE name Swift's Glibc does not show (glibc defines __O_PATH always).
#include <fcntl.h>
static const int hive_O_PATH = __O_PATH;

// openat2(dirfd, path, {flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS}) (inroot.c):
// the fd, or -1 with errno (ENOSYS where the kernel lacks openat2).
int hive_openat2_in_root(int dirfd, const char *path, int flags, unsigned int mode);
// ---- SHA-256 (libcrypto; uses the CPU's SHA extensions where present) ----
typedef struct hive_sha256 hive_sha256;
hive_sha256 *hive_sha256_new(void);
void hive_sha256_update(hive_sha256 *ctx, const void *data, size_t len);
void hive_sha256_final(hive_sha256 *ctx, unsigned char out[32]);
void hive_sha256_free(hive_sha256 *ctx);

#endif
