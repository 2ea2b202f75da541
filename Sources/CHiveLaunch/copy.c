#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "launch_internal.h"

// ---- hive cp: copies between the host and a container in a child that sees
// the container's filesystem (its mount namespace when running, found by a
// pidfd; a private overlay mount otherwise). The container side may be
// changed by the container while it is copied, so:
// - container paths resolve with RESOLVE_IN_ROOT: symlinks never lead out;
// - every object is opened O_PATH|O_NOFOLLOW and its type taken from that fd;
//   only a regular file is opened for content, by reopening that same inode
//   (/proc/self/fd of the host, O_NONBLOCK|O_NOCTTY); directories are
//   descended through the fd they were checked with;
// - fifos and device nodes are copied as nodes (mknod, as docker cp's tar
//   does), symlinks as symlinks, sockets not at all;
// - a destination is never opened: an existing regular file or symlink is
//   replaced (unlinked, then created O_EXCL), a fifo, device or socket is
//   refused, a directory is merged into;
// - out of a container, without -a: owned by the caller, setuid/setgid
//   stripped, device nodes for their owner only; with -a: the container's
//   uid/gid and mode. Into a container: root-owned, or the source's uid/gid with -a.
// The child uses stack buffers and system calls only (it may be forked from a
// threaded process).

// A failure (msg, err) or, with ok set, the bytes of regular-file content copied.
struct cp_report { int err; int ok; long long bytes; char msg[480]; };

struct cp {
    int errfd;
    int proc_fd;   // this process's /proc/self/fd on the host's procfs
    int flags;     // HIVE_CP_*
    int out;       // copying out of the container
    long long bytes;  // regular-file content copied
    char path[4096];  // the source path being copied, for messages
};

static void add(char *dst, size_t cap, size_t *i, const char *s) {
    for (; s && *s && *i + 1 < cap; s++) dst[(*i)++] = *s;
    dst[*i] = 0;
}

// Reports "a b c" (and errno's text when err != 0) to the parent and exits.
static __attribute__((noreturn)) void cp_fail(struct cp *c, const char *a, const char *b, const char *d, int err) {
    struct cp_report r;
    memset(&r, 0, sizeof r);
    size_t i = 0;
    add(r.msg, sizeof r.msg, &i, a);
    add(r.msg, sizeof r.msg, &i, b);
    add(r.msg, sizeof r.msg, &i, d);
    r.err = err;
    ssize_t w = write(c->errfd, &r, sizeof r);
    (void)w;
    _exit(1);
}

static const char *kind(mode_t m) {
    switch (m & S_IFMT) {
    case S_IFIFO: return "a fifo";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symlink";
    default: return "a regular file";
    }
}

static void utoa(unsigned v, char *buf) {
    char t[16];
    int n = 0;
    do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (int i = 0; i < n; i++) buf[i] = t[n - 1 - i];
    buf[n] = 0;
}

// The content of the regular file held by `pfd` (an O_PATH fd): the same
// inode, reopened through the magic link, never by its name again.
static int open_content(struct cp *c, int pfd, const struct stat *st) {
    char num[16];
    utoa((unsigned)pfd, num);
    int fd = openat(c->proc_fd, num, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) cp_fail(c, "cannot open ", c->path, "", errno);
    struct stat now;
    if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino || now.st_dev != st->st_dev)
        cp_fail(c, "cannot copy ", c->path, ": it changed while it was opened", 0);
    return fd;
}

// Makes room for a new non-directory `name` in `dir` without opening what is there.
static void make_room(struct cp *c, int dir, const char *name) {
    struct stat st;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return;
        cp_fail(c, "cannot copy to ", name, "", errno);
    }
    if (S_ISDIR(st.st_mode)) cp_fail(c, "cannot overwrite directory ", name, " with a non-directory", 0);
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        struct cp_report r;
        size_t i = 0;
        add(r.msg, sizeof r.msg, &i, "refusing to write to ");
        add(r.msg, sizeof r.msg, &i, name);
        add(r.msg, sizeof r.msg, &i, ": it is ");
        add(r.msg, sizeof r.msg, &i, kind(st.st_mode));
        cp_fail(c, r.msg, ", which is never opened (remove it first)", "", 0);
    }
    if (unlinkat(dir, name, 0) < 0 && errno != ENOENT) cp_fail(c, "cannot replace ", name, "", errno);
}

static int want_owner(struct cp *c) { return (c->flags & HIVE_CP_ARCHIVE) != 0; }

static mode_t want_mode(struct cp *c, const struct stat *st) {
    mode_t m = st->st_mode & 07777;
    if (c->out && !want_owner(c)) {
        m &= ~(mode_t)(S_ISUID | S_ISGID);
        if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) m &= 0700;
    }
    return m;
}

// Sets the owner of the node or symlink just created as `name` in `dir`,
// through an O_PATH fd checked to be it (a swapped name is not followed).
static void chown_node(struct cp *c, int dir, const char *name, const struct stat *src) {
    if (!want_owner(c)) return;
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & S_IFMT) != (src->st_mode & S_IFMT))
        cp_fail(c, "cannot copy to ", name, ": it changed while it was created", fd < 0 ? errno : 0);
    if (fchownat(fd, "", src->st_uid, src->st_gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        cp_fail(c, "cannot set the owner of ", name, "", errno);
    close(fd);
}

static void copy_obj(struct cp *c, int src, const struct stat *st, int dstdir, const char *name, int depth, int top);

static void copy_dir(struct cp *c, int src, const struct stat *st, int dstdir, const char *name, int depth) {
    if (depth > 256) cp_fail(c, "cannot copy ", c->path, ": too deeply nested", ELOOP);
    int sd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sd < 0) cp_fail(c, "cannot open ", c->path, "", errno);
    struct stat dst;
    int created = 0;
    if (fstatat(dstdir, name, &dst, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) cp_fail(c, "cannot copy to ", name, "", errno);
        if (mkdirat(dstdir, name, 0700) < 0) cp_fail(c, "cannot create directory ", name, "", errno);
        created = 1;
    } else if (!S_ISDIR(dst.st_mode)) {
        cp_fail(c, "cannot overwrite non-directory ", name, " with a directory", 0);
    }
    int dd = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dd < 0) cp_fail(c, "cannot open directory ", name, "", errno);
    size_t base = slen(c->path);
    char dbuf[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, sd, dbuf, sizeof dbuf);
        if (n < 0) cp_fail(c, "cannot read directory ", c->path, "", errno);
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(dbuf + off);
            off += d->d_reclen;
            const char *child = d->d_name;
            if (!strcmp(child, ".") || !strcmp(child, "..")) continue;
            size_t i = base;
            if (i == 0 || c->path[i - 1] != '/') add(c->path, sizeof c->path, &i, "/");
            add(c->path, sizeof c->path, &i, child);
            int cf = openat(sd, child, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (cf < 0) {
                if (errno == ENOENT) { c->path[base] = 0; continue; }  // removed meanwhile
                cp_fail(c, "cannot open ", c->path, "", errno);
            }
            struct stat cst;
            if (fstat(cf, &cst) < 0) cp_fail(c, "cannot stat ", c->path, "", errno);
            copy_obj(c, cf, &cst, dd, child, depth + 1, 0);
            close(cf);
            c->path[base] = 0;
        }
    }
    if (created) {
        if (want_owner(c) && fchown(dd, st->st_uid, st->st_gid) < 0) cp_fail(c, "cannot set the owner of ", name, "", errno);
        if (fchmod(dd, want_mode(c, st)) < 0) cp_fail(c, "cannot set the mode of ", name, "", errno);
    }
    close(dd);
    close(sd);
}

static void copy_file(struct cp *c, int src, const struct stat *st, int dstdir, const char *name) {
    int in = open_content(c, src, st);
    make_room(c, dstdir, name);
    int out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) cp_fail(c, "cannot create ", name, "", errno);
    char buf[65536];
    for (;;) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) cp_fail(c, "cannot read ", c->path, "", errno);
        if (k == 0) break;
        for (ssize_t w = 0; w < k;) {
            ssize_t m = write(out, buf + w, (size_t)(k - w));
            if (m < 0 && errno == EINTR) continue;
            if (m < 0) cp_fail(c, "cannot write ", name, "", errno);
            w += m;
        }
        c->bytes += k;
    }
    if (want_owner(c) && fchown(out, st->st_uid, st->st_gid) < 0) cp_fail(c, "cannot set the owner of ", name, "", errno);
    if (fchmod(out, want_mode(c, st)) < 0) cp_fail(c, "cannot set the mode of ", name, "", errno);
    close(out);
    close(in);
}

// Copies the object held by `src` (O_PATH|O_NOFOLLOW, stat `st`) to `name` in `dstdir`.
static void copy_obj(struct cp *c, int src, const struct stat *st, int dstdir, const char *name, int depth, int top) {
    switch (st->st_mode & S_IFMT) {
    case S_IFDIR: copy_dir(c, src, st, dstdir, name, depth); return;
    case S_IFREG: copy_file(c, src, st, dstdir, name); return;
    case S_IFLNK: {
        char target[4096];
        ssize_t k = readlinkat(src, "", target, sizeof target - 1);
        if (k < 0) cp_fail(c, "cannot read link ", c->path, "", errno);
        target[k] = 0;
        make_room(c, dstdir, name);
        if (symlinkat(target, dstdir, name) < 0) cp_fail(c, "cannot create symlink ", name, "", errno);
        chown_node(c, dstdir, name, st);
        return;
    }
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
        make_room(c, dstdir, name);
        // umask is 0 in this child: the mode is exact, no chmod by name
        if (mknodat(dstdir, name, (st->st_mode & S_IFMT) | want_mode(c, st), S_ISFIFO(st->st_mode) ? 0 : st->st_rdev) < 0)
            cp_fail(c, "cannot create ", name, S_ISFIFO(st->st_mode) ? " (a fifo)" : " (a device node)", errno);
        chown_node(c, dstdir, name, st);
        return;
    default:
        // tar has no sockets: docker cp skips them; named alone, say so
        if (top) cp_fail(c, "cannot copy ", c->path, ": it is a socket (sockets are not copied)", 0);
        return;
    }
}

int hive_cp_open_source(const char *path, int follow) {
    return open(path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
}

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
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { snprintf(err, errlen, "the copy failed (its process ended with status %d)", status); return -1; }
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
        char cbuf[CMSG_SPACE(sizeof(int))];
        memset(cbuf, 0, sizeof cbuf);
        char byte = 0;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        if (sendmsg(sp[1], &m, MSG_NOSIGNAL) < 0) cp_fail(&c, "cannot pass ", ctr_path, " back", errno);
        cp_done(&c);
    }
    close(sp[1]);
    char cbuf[CMSG_SPACE(sizeof(int))];
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n;
    do { n = recvmsg(sp[0], &m, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    close(sp[0]);
    int fd = -1;
    struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if (cp_wait(pid, errp[0], NULL, err, errlen) < 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    if (fd < 0) { snprintf(err, errlen, "cannot open %s: no descriptor came back", ctr_path); return -1; }
    *fd_out = fd;
    return 0;
}
