// System calls Swift cannot see: macros, variadics and _GNU_SOURCE
// declarations (STYLE.md 5). No library beyond libc.
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "hive_platform.h"

int hive_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int hive_syncfs(int fd) { return syncfs(fd); }
int hive_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int hive_renameat2_noreplace(int od, const char *op, int nd, const char *np) {
    return renameat2(od, op, nd, np, RENAME_NOREPLACE);
}
dev_t hive_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
int hive_open_dir_nofollow(int dirfd, const char *name) {
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}
int hive_open_path_nofollow(int dirfd, const char *name) {
    return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}
// Sets an xattr on dirfd/name without following a final symlink (no lsetxattrat exists).
int hive_set_xattr_at(int dirfd, const char *name, const char *key, const void *value, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d/", dirfd);
    char full[4200];
    snprintf(full, sizeof full, "%s%s", path, name);
    return lsetxattr(full, key, value, size, 0);
}

int hive_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <spawn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <errno.h>

// A detached helper (the log checkpoint, a --rm container's directory):
static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t detached[64];
static size_t ndetached;

// posix_spawn shares our memory until the exec, so nothing is copied.
int hive_spawn_detached(const char *path, char *const argv[]) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    extern char **environ;
    pid_t pid;
    int r = posix_spawn(&pid, path, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (r == 0) {
        // a command exits long before it, and init reaps it; a process that
        // lives on (the API service) reaps it with hive_reap_detached
        pthread_mutex_lock(&detached_lock);
        if (ndetached < sizeof detached / sizeof detached[0]) detached[ndetached++] = pid;
        pthread_mutex_unlock(&detached_lock);
    }
    return r;
}

void hive_reap_detached(void) {
    pthread_mutex_lock(&detached_lock);
    size_t keep = 0;
    for (size_t i = 0; i < ndetached; i++) {
        pid_t r = waitpid(detached[i], NULL, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) detached[keep++] = detached[i];
    }
    ndetached = keep;
    pthread_mutex_unlock(&detached_lock);
}

#include <malloc.h>

// A command lives a few milliseconds: freed memory is never handed back to
// the kernel (trimming and re-growing the heap, or mmap for large blocks,
// costs a freshly zeroed page per 4 KiB every time).
void hive_malloc_tune(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
