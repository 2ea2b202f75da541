#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch_internal.h"
#include <linux/openat2.h>
#include <sched.h>

// ---- hive cp: copies between the host and a container in a child that sees
// the container's filesystem (its mount namespace when running, a private
// overlay mount otherwise). Container paths resolve with RESOLVE_IN_ROOT, so
// symlinks never lead out of the container; host paths are opened by the
// caller before the child enters the container.

static int copy_file(int sfd, int dfd_dir, const char *name, const struct stat *st) {
    int df = openat(dfd_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
    if (df < 0) return -1;
    char buf[65536];
    ssize_t k;
    while ((k = read(sfd, buf, sizeof buf)) > 0) if (write(df, buf, (size_t)k) != k) { close(df); return -1; }
    fchmod(df, st->st_mode & 07777);
    close(df);
    return k < 0 ? -1 : 0;
}

// Copies the object `src` (an O_PATH-less fd of a file or directory) to `name` in directory `dstdir`.
static int copy_object(int src, int dstdir, const char *name) {
    struct stat st;
    if (fstat(src, &st) < 0) return -1;
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(dstdir, name, st.st_mode & 07777) < 0 && errno != EEXIST) return -1;
        int d = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0) return -1;
        int r = copy_tree(src, d, 0);
        close(d);
        return r;
    }
    if (S_ISREG(st.st_mode)) return copy_file(src, dstdir, name, &st);
    errno = EINVAL;
    return -1;
}

int hive_cp(pid_t running, const char *overlay_data, const char *rootfs, const char *ctr_path,
            int host_fd, const char *host_name, int to_container, char *err, size_t errlen) {
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    int mntfd = -1;
    if (running > 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)running);
        mntfd = open(path, O_RDONLY | O_CLOEXEC);
        if (mntfd < 0) { snprintf(err, errlen, "open %s: %s", path, strerror(errno)); return -1; }
    }
    pid_t pid = fork();
    if (pid < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); return -1; }
    if (pid == 0) {
        close(errp[0]);
        int fd = errp[1];
        int root;
        if (running > 0) {
            if (setns(mntfd, CLONE_NEWNS) < 0) fail(fd, "setns(mnt)", "", errno, 1);
            root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        } else {
            if (unshare(CLONE_NEWNS) < 0) fail(fd, "unshare(mnt)", "", errno, 1);
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(fd, "make / private", "", errno, 1);
            if (mount("overlay", rootfs, "overlay", 0, overlay_data) < 0) fail(fd, "mount overlay", "", errno, 1);
            root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        if (root < 0) fail(fd, "open container root", "", errno, 1);
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        const char *rel = ctr_path;
        while (*rel == '/') rel++;
        if (!*rel) rel = ".";
        if (!to_container) {
            how.flags = O_RDONLY | O_CLOEXEC;
            int src = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
            if (src < 0) fail(fd, "", ctr_path, errno, 1);
            if (copy_object(src, host_fd, host_name) < 0) fail(fd, "copy to ", host_name, errno, 1);
        } else {
            how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
            int dst = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
            if (dst < 0) fail(fd, "", ctr_path, errno, 1);
            if (copy_object(host_fd, dst, host_name) < 0) fail(fd, "copy into ", ctr_path, errno, 1);
        }
        _exit(0);
    }
    close(errp[1]);
    if (mntfd >= 0) close(mntfd);
    int code;
    return collect_report(errp[0], pid, &code, err, errlen);
}
