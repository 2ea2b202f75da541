// Helpers of the launcher: step reporting, path resolution inside a root,
// mounts onto exact inodes, tree copies (stack buffers only, fork-safe).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch_internal.h"
#include <linux/openat2.h>
#include <poll.h>
#include <sys/socket.h>

size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // a non-blocking fd (a pty master)
            struct pollfd pf = { fd, POLLOUT, 0 };
            if (poll(&pf, 1, 1000) > 0) continue;
            return -1;
        }
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void scopy(char *dst, size_t cap, const char *a, const char *b) {
    size_t i = 0;
    for (; a && *a && i + 1 < cap; a++) dst[i++] = *a;
    for (; b && *b && i + 1 < cap; b++) dst[i++] = *b;
    dst[i] = 0;
}

static __attribute__((noreturn)) void report_and_exit(int fd, const char *step, const char *what, int err, int code, int described) {
    struct report r;
    memset(&r, 0, sizeof r);
    scopy(r.step, sizeof r.step, step, what);
    r.err = err;
    r.exit_code = code;
    r.described = described;
    ssize_t w = write(fd, &r, sizeof r);
    (void)w;
    _exit(code);
}

__attribute__((noreturn)) void fail(int fd, const char *step, const char *what, int err, int code) {
    report_and_exit(fd, step, what, err, code, 0);
}

__attribute__((noreturn)) void fail_exec(int fd, const char *cmd, const char *why, int err, int code) {
    report_and_exit(fd, cmd, why, err, code, 1);
}

int collect_report(int fd, pid_t pid, int timeout_ms, int *exit_code, char *err, size_t errlen) {
    struct report rep;
    ssize_t n;
    if (timeout_ms >= 0) {
        // a process joining a running container is in its pid namespace before
        // it execs: the container could stop it (SIGSTOP) and hold the caller
        // (the monitor's health check) for ever; past the bound it is killed
        struct pollfd p = { fd, POLLIN, 0 };
        int r;
        do { r = poll(&p, 1, timeout_ms); } while (r < 0 && errno == EINTR);
        if (r == 0) {
            close(fd);
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
            *exit_code = 126;
            snprintf(err, errlen, "the process did not start within %d s (stopped inside the container?)", timeout_ms / 1000);
            return -1;
        }
    }
    do { n = read(fd, &rep, sizeof rep); } while (n < 0 && errno == EINTR);
    close(fd);
    if (n == 0) return 0;  // the pipe closed on exec: the command runs
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof rep) {
        snprintf(err, errlen, "container setup failed");
        return -1;
    }
    rep.step[sizeof rep.step - 1] = 0;
    *exit_code = rep.exit_code;
    if (rep.described) snprintf(err, errlen, "%s", rep.step);
    else snprintf(err, errlen, "%s: %s", rep.step, strerror(rep.err));
    return -1;
}

// Opens `path` (absolute, inside the container) relative to the new root
// without following any symlink: mount targets can never escape the rootfs.
int open_in_root(int rootfd, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    while (*path == '/') path++;
    if (!*path) path = ".";
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

// Creates the directory (and parents) `path` under rootfd if missing, without following symlinks.
int mkdir_in_root(int rootfd, const char *path) {
    char buf[4096];
    size_t n = slen(path);
    if (n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            int fd = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
            if (fd < 0) {
                if (errno != ENOENT) return -1;
                // parent must exist and be a real directory
                char *slash = strrchr(buf, '/');
                int pfd;
                if (!slash || slash == buf) pfd = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
                else { *slash = 0; pfd = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY); *slash = '/'; }
                if (pfd < 0) return -1;
                const char *name = slash ? slash + 1 : buf;
                int r = mkdirat(pfd, name, 0755);
                close(pfd);
                if (r < 0 && errno != EEXIST) return -1;
            } else {
                close(fd);
            }
            buf[i] = c;
        }
    }
    return 0;
}

// Mounts onto the exact inode opened under the root (through /proc/self/fd).
int mount_on(int rootfd, const char *target, int want_dir, const char *src, const char *fstype,
                    unsigned long flags, const void *data) {
    int fd = open_in_root(rootfd, target, O_PATH | (want_dir ? O_DIRECTORY : 0));
    if (fd < 0) return -1;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    int r = mount(src, p, fstype, flags, data);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#include <sys/statvfs.h>

// Remounts the mount at `fd` (an O_PATH fd on its root) read-only with
// `attr`'s extra flags, keeping the flags it has (bind remount, old kernels).
static int remount_ro(int fd, uint64_t attr) {
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0) return -1;
    unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if ((sv.f_flag & ST_NOSUID) || (attr & MOUNT_ATTR_NOSUID)) f |= MS_NOSUID;
    if ((sv.f_flag & ST_NODEV) || (attr & MOUNT_ATTR_NODEV)) f |= MS_NODEV;
    if ((sv.f_flag & ST_NOEXEC) || (attr & MOUNT_ATTR_NOEXEC)) f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    return mount(NULL, p, NULL, f, NULL);
}

// Undoes mountinfo's octal escapes (\040 for a space) in place.
static void unescape(char *s) {
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

int read_lines(const char *path, int (*fn)(char *line, void *arg), void *arg) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[16384];
    size_t have = 0;
    int stop = 0;
    while (!stop) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        char *line = buf, *nl;
        while (!stop && (nl = strchr(line, '\n'))) {
            *nl = 0;
            stop = fn(line, arg);
            line = nl + 1;
        }
        have = (size_t)(buf + have - line);
        memmove(buf, line, have);
        if (have == sizeof buf - 1) have = 0;  // a line longer than the buffer is dropped
    }
    close(fd);
    return 0;
}

long long proc_start_time(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');  // the command name may hold spaces and parentheses
    if (!p || p[1] != ' ') return -1;
    p += 2;
    if (*p == 'Z' || *p == 'X') return -1;
    for (int field = 0; *p && field < 19; p++) if (*p == ' ') field++;
    return *p ? strtoll(p, NULL, 10) : -1;
}

struct submounts { int top; const char *at; size_t alen; uint64_t attr; int rc; };

// One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..."; a mount point
// below `at` is opened beneath `top` without following a symlink and remounted.
static int readonly_submount(char *line, void *arg) {
    struct submounts *sm = arg;
    char *f = line;
    for (int i = 0; i < 4 && f; i++) { f = strchr(f, ' '); if (f) f++; }
    char *end = f ? strchr(f, ' ') : NULL;
    if (!f || !end) return 0;
    *end = 0;
    unescape(f);
    if (strncmp(f, sm->at, sm->alen) != 0 || f[sm->alen] != '/' || !f[sm->alen + 1]) return 0;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, sm->top, f + sm->alen + 1, &how, sizeof how);
    if (fd < 0 || remount_ro(fd, sm->attr) < 0) sm->rc = -1;
    if (fd >= 0) close(fd);
    return 0;
}

// The fallback of readonly_tree for kernels without mount_setattr (before
// 5.12): every mount below `top` (host path `at`, as mountinfo names it),
// each opened beneath `top` without following a symlink, remounted read-only.
static int readonly_submounts(int top, const char *at, uint64_t attr) {
    struct submounts sm = { top, at, slen(at), attr, 0 };
    if (read_lines("/proc/self/mountinfo", readonly_submount, &sm) < 0) return -1;
    return sm.rc;
}

// Makes the mount on `target` (inside the root) and every mount below it
// read-only, plus `attr` (MOUNT_ATTR_NOSUID...): a bind's submounts (a
// tmpfs under a `-v DIR:X:ro` source, cgroupfs or debugfs under the host's
// /sys) must not stay writable. mount_setattr(AT_RECURSIVE) where the
// kernel has it (5.12), else each submount from /proc/self/mountinfo.
int readonly_tree(int rootfd, const char *target, int isdir, uint64_t attr) {
    int fd = open_in_root(rootfd, target, O_PATH | (isdir ? O_DIRECTORY : 0));
    if (fd < 0) return -1;
    struct mount_attr a;
    memset(&a, 0, sizeof a);
    a.attr_set = MOUNT_ATTR_RDONLY | attr;
    int r = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
    if (r < 0 && errno == ENOSYS) {
        r = remount_ro(fd, attr);
        if (r == 0 && isdir) {
            char self[64], at[4096];
            snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(self, at, sizeof at - 1);
            if (n <= 0) r = -1;
            else { at[n] = 0; r = readonly_submounts(fd, at, attr); }
        }
    }
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int last_master = -1;
int early_master = -1, early_slave = -1;
int hive_last_pty_master(void) { return last_master; }

int send_fd(int sock, int fd) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    char byte = 0;
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ssize_t n;
    do { n = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

int recv_fd(int sock) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    char dummy;
    struct iovec iov = { &dummy, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

// Copies the tree under dir `from` into dir `to` (both fds), keeping modes,
// owners and symlinks, never following a symlink. Stack buffers only.
int copy_tree(int from, int to, int depth) {
    if (depth > 64) { errno = ELOOP; return -1; }
    char dbuf[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, from, dbuf, sizeof dbuf);
        if (n < 0) return -1;
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(dbuf + off);
            off += d->d_reclen;
            const char *name = d->d_name;
            if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
            struct stat st;
            if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
            if (S_ISDIR(st.st_mode)) {
                if (mkdirat(to, name, st.st_mode & 07777) < 0 && errno != EEXIST) return -1;
                int sf = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int df = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sf < 0 || df < 0) return -1;
                int r = copy_tree(sf, df, depth + 1);
                fchown(df, st.st_uid, st.st_gid);
                fchmod(df, st.st_mode & 07777);
                close(sf);
                close(df);
                if (r < 0) return -1;
            } else if (S_ISREG(st.st_mode)) {
                int sf = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                int df = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
                if (sf < 0 || df < 0) return -1;
                char buf[16384];
                ssize_t k;
                while ((k = read(sf, buf, sizeof buf)) > 0) {
                    if (write(df, buf, (size_t)k) != k) return -1;
                }
                fchown(df, st.st_uid, st.st_gid);
                fchmod(df, st.st_mode & 07777);
                close(sf);
                close(df);
            } else if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t k = readlinkat(from, name, target, sizeof target - 1);
                if (k < 0) return -1;
                target[k] = 0;
                if (symlinkat(target, to, name) < 0) return -1;
                fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
            }
        }
    }
    return 0;
}

int dir_is_empty(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    char dbuf[1024];
    long n = syscall(SYS_getdents64, fd, dbuf, sizeof dbuf);
    int empty = 1;
    for (long off = 0; off < n;) {
        struct linux_dirent64 *d = (struct linux_dirent64 *)(dbuf + off);
        off += d->d_reclen;
        if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) { empty = 0; break; }
    }
    close(fd);
    return empty;
}
