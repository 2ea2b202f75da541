// hive cp: copies between the host and a container in a child that sees
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
// threaded process). This file is the copy itself; copy_container.c enters
// the container and forks.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "copy_internal.h"

// Reports "a b c" (and errno's text when err != 0) to the parent and exits.
__attribute__((noreturn)) void cp_fail(struct cp *c, const char *a, const char *b, const char *d, int err) {
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
void copy_obj(struct cp *c, int src, const struct stat *st, int dstdir, const char *name, int depth, int top) {
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
