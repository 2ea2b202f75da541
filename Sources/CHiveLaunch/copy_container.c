// hive cp, the container side: the running container's mount namespace (or
// its overlay, mounted in a private one), the child that enters it and
// copies (copy.c) or passes an fd back, and the parent that waits for its report.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "copy_internal.h"

// The running container's mount namespace, as an fd setns accepts: a pidfd of
// its init, checked to be that process (pid and start time) after it was
// opened, so a recycled pid can never mean another process (or the host).
static int container_ns(pid_t pid, long long start, char *err, size_t errlen) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0 && errno == ENOSYS) {
        // before Linux 5.3: the namespace file, checked the same way after opening
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0 || proc_start_time(pid) != start) {
        if (fd >= 0) close(fd);
        snprintf(err, errlen, "the container's process %d is gone (it stopped while cp started): try again", (int)pid);
        return -1;
    }
    return fd;
}

// `ctr_path` relative to the root (`.` for /), into rel.
static void relative(const char *ctr_path, char *rel, size_t cap) {
    size_t ri = 0;
    const char *p = ctr_path;
    while (*p == '/') p++;
    add(rel, cap, &ri, *p ? p : ".");
}

// In the child: enters the container's filesystem (its mount namespace, or
// its overlay mounted in a private one) and returns its root (O_PATH);
// `ctr_path` becomes the path in messages and, relative to the root, `rel`.
static int enter_root(struct cp *c, const char *ctr_path, char rel[4096], pid_t running, int nsfd, const char *overlay_data,
                      const char *rootfs) {
    size_t pi = 0;
    add(c->path, sizeof c->path, &pi, ctr_path);
    relative(ctr_path, rel, 4096);
    int root;
    if (running > 0) {
        if (setns(nsfd, CLONE_NEWNS) < 0) cp_fail(c, "cannot enter the container's mount namespace", "", "", errno);
        root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    } else {
        if (unshare(CLONE_NEWNS) < 0) cp_fail(c, "unshare(mnt)", "", "", errno);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) cp_fail(c, "make / private", "", "", errno);
        if (mount("overlay", rootfs, "overlay", 0, overlay_data) < 0) cp_fail(c, "mount the container's overlay", "", "", errno);
        root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (root < 0) cp_fail(c, "cannot open the container's root", "", "", errno);
    return root;
}

// `rel` under `root`, resolved inside it (symlinks never lead out), opened with `flags`.
static int cp_open_in_root(int root, const char *rel, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    how.flags = (uint64_t)flags;
    return (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
}

// Parent side: the error pipe, the container's namespace, the fork. Returns
// the child's pid (0 in the child, with c set up), or -1 with err set.
static pid_t cp_fork(struct cp *c, pid_t running, long long start, int errp[2], int *nsfd, char *err, size_t errlen) {
    *nsfd = -1;
    if (pipe2(errp, O_CLOEXEC) < 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    if (running > 0 && (*nsfd = container_ns(running, start, err, errlen)) < 0) { close(errp[0]); close(errp[1]); return -1; }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(errp[0]); close(errp[1]);
        if (*nsfd >= 0) close(*nsfd);
        return -1;
    }
    if (pid == 0) {
        close(errp[0]);
        memset(c, 0, sizeof *c);
        c->errfd = errp[1];
        umask(0);
        // the host's procfs, before the container's mount namespace is entered
        c->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->proc_fd < 0) cp_fail(c, "cannot open /proc/self/fd (hive cp needs /proc)", "", "", errno);
        return 0;
    }
    close(errp[1]);
    if (*nsfd >= 0) close(*nsfd);
    return pid;
}

// Parent side: the child's report and status. 0 (bytes copied in *bytes), or -1 with err set.
static int cp_wait(pid_t pid, int errfd, long long *bytes, char *err, size_t errlen) {
    struct cp_report r;
    ssize_t n;
    do { n = read(errfd, &r, sizeof r); } while (n < 0 && errno == EINTR);
    close(errfd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n == (ssize_t)sizeof r && !r.ok) {
        r.msg[sizeof r.msg - 1] = 0;
        if (r.err) snprintf(err, errlen, "%s: %s", r.msg, strerror(r.err));
        else snprintf(err, errlen, "%s", r.msg);
        errno = r.err ? r.err : EINVAL;  // the caller tells a missing path (ENOENT) from the rest
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "the copy failed (its process ended with status %d)", status);
        errno = EIO;
        return -1;
    }
    if (bytes) *bytes = n == (ssize_t)sizeof r ? r.bytes : 0;
    return 0;
}

// In the child: reports success (and the bytes copied) and exits.
static __attribute__((noreturn)) void cp_done(struct cp *c) {
    struct cp_report r;
    memset(&r, 0, sizeof r);
    r.ok = 1;
    r.bytes = c->bytes;
    ssize_t w = write(c->errfd, &r, sizeof r);
    (void)w;
    _exit(0);
}

int hive_cp(pid_t running, long long start, const char *overlay_data, const char *rootfs, const char *ctr_path,
            int host_fd, const char *host_name, int to_container, int flags, long long *copied, char *err, size_t errlen) {
    int errp[2], nsfd;
    struct cp c;
    pid_t pid = cp_fork(&c, running, start, errp, &nsfd, err, errlen);
    if (pid < 0) return -1;
    if (pid == 0) {
        c.flags = flags;
        c.out = !to_container;
        char rel[4096];
        int root = enter_root(&c, ctr_path, rel, running, nsfd, overlay_data, rootfs);
        struct stat st;
        if (!to_container) {
            int src = cp_open_in_root(root, rel, O_PATH | O_CLOEXEC | ((flags & HIVE_CP_FOLLOW) ? 0 : O_NOFOLLOW));
            if (src < 0) cp_fail(&c, "cannot copy ", ctr_path, "", errno);
            if (fstat(src, &st) < 0) cp_fail(&c, "cannot stat ", ctr_path, "", errno);
            copy_obj(&c, src, &st, host_fd, host_name, 0, 1);
        } else {
            if (fstat(host_fd, &st) < 0) cp_fail(&c, "cannot stat ", host_name, "", errno);
            // an existing directory (a symlink to one is followed, inside the root) takes the copy
            // as host_name; else the path names the copy, in its parent directory
            const int dirflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
            const char *name = host_name;
            int dst = cp_open_in_root(root, rel, dirflags);
            if (dst < 0) {
                int e = errno;
                size_t len = slen(rel);
                if ((e != ENOENT && e != ENOTDIR) || ctr_path[slen(ctr_path) - 1] == '/')
                    cp_fail(&c, "cannot copy into ", ctr_path, e == ENOENT ? " (the directory must exist)" : "", e);
                while (len > 0 && rel[len - 1] != '/') len--;
                name = rel + len;
                if (len == 0) { dst = root; }
                else {
                    rel[len - 1] = 0;
                    dst = cp_open_in_root(root, rel, dirflags);
                    if (dst < 0) cp_fail(&c, "cannot copy into ", ctr_path, ": its directory cannot be opened", errno);
                }
                if (!strcmp(name, ".") || !strcmp(name, "..")) cp_fail(&c, "cannot copy into ", ctr_path, "", EINVAL);
            }
            add(c.path, sizeof c.path, &(size_t){0}, host_name);
            copy_obj(&c, host_fd, &st, dst, name, 0, 1);
        }
        cp_done(&c);
    }
    return cp_wait(pid, errp[0], copied, err, errlen);
}

// `hive cp` with a tar stream: an fd on `ctr_path` in the container, resolved
// inside its root, passed back over a socket (SCM_RIGHTS) so the caller reads
// or writes the tree through it (every further name relative to that fd).
// With HIVE_CP_DIRECTORY: an open directory (a symlink to one is followed
// inside the root), else ENOTDIR; otherwise an O_PATH fd of the object (a
// symlink itself unless HIVE_CP_FOLLOW). A stopped container's overlay stays
// mounted (detached) for as long as the fd is open.
int hive_cp_open(pid_t running, long long start, const char *overlay_data, const char *rootfs, const char *ctr_path,
                 int flags, int *fd_out, char *err, size_t errlen) {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) { snprintf(err, errlen, "socketpair: %s", strerror(errno)); return -1; }
    int errp[2], nsfd;
    struct cp c;
    pid_t pid = cp_fork(&c, running, start, errp, &nsfd, err, errlen);
    if (pid < 0) { close(sp[0]); close(sp[1]); return -1; }
    if (pid == 0) {
        close(sp[0]);
        char rel[4096];
        int root = enter_root(&c, ctr_path, rel, running, nsfd, overlay_data, rootfs);
        int fd = cp_open_in_root(root, rel, (flags & HIVE_CP_DIRECTORY) ? (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                        : (O_PATH | O_CLOEXEC | ((flags & HIVE_CP_FOLLOW) ? 0 : O_NOFOLLOW)));
        if (fd < 0) cp_fail(&c, "cannot open ", ctr_path, "", errno);
        if (send_fd(sp[1], fd) < 0) cp_fail(&c, "cannot pass ", ctr_path, " back", errno);
        cp_done(&c);
    }
    close(sp[1]);
    int fd = recv_fd(sp[0]);
    close(sp[0]);
    if (cp_wait(pid, errp[0], NULL, err, errlen) < 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    if (fd < 0) { snprintf(err, errlen, "cannot open %s: no descriptor came back", ctr_path); errno = EIO; return -1; }
    *fd_out = fd;
    return 0;
}
