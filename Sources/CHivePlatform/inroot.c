// openat2(2) for resolving paths inside a root (Sources/HivePlatform/InRoot.swift):
// syscall() is variadic, so Swift cannot call it directly.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hive_platform.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int hive_openat2_in_root(int dirfd, const char *path, int flags, unsigned int mode) {
    struct open_how how = {
        .flags = (unsigned long long)(unsigned int)flags,
        // a mode without O_CREAT/O_TMPFILE is EINVAL (O_TMPFILE includes O_DIRECTORY's bit: compare all of it)
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    // EAGAIN: a rename raced with a `..` lookup; the kernel asks to retry
    for (int i = 0; i < 16; i++) {
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN) break;
    }
    return fd;
}
