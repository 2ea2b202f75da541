// Wrappers for macros, variadics and _GNU_SOURCE declarations (STYLE.md 5).
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <seccomp.h>
#include <sys/capability.h>
#include "hive_shims.h"

unsigned int hive_ae_ifmt(void) { return AE_IFMT; }
unsigned int hive_ae_ifreg(void) { return AE_IFREG; }
unsigned int hive_ae_ifdir(void) { return AE_IFDIR; }
unsigned int hive_ae_iflnk(void) { return AE_IFLNK; }
unsigned int hive_ae_ifchr(void) { return AE_IFCHR; }
unsigned int hive_ae_ifblk(void) { return AE_IFBLK; }
unsigned int hive_ae_ififo(void) { return AE_IFIFO; }
unsigned int hive_ae_ifsock(void) { return AE_IFSOCK; }

int hive_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int hive_archive_support_filters(struct archive *a) {
    int rc = 0;
    // ARCHIVE_WARN: the library lacks it and would run an external program
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_compress(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_bzip2(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_xz(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lzma(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lzip(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_zstd(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lz4(a) != ARCHIVE_OK) rc = -1;
    return rc;
}
int hive_syncfs(int fd) { return syncfs(fd); }
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


const char *hive_seccomp_version(void) {
    static char buf[32];
    const struct scmp_version *v = seccomp_version();
    snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
    return buf;
}
int hive_cap_from_name(const char *name) {
    cap_value_t v;
    return cap_from_name(name, &v) == 0 ? (int)v : -1;
}


int hive_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <linux/capability.h>
#include <sys/syscall.h>

uint64_t hive_cap_permitted(void) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) < 0) return 0;
    return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

#include <spawn.h>

// A detached helper (the log checkpoint, a --rm container's directory):
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
    return r;
}

#include <malloc.h>

// A command lives a few milliseconds: freed memory is never handed back to
// the kernel (trimming and re-growing the heap, or mmap for large blocks,
// costs a freshly zeroed page per 4 KiB every time).
void hive_malloc_tune(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
