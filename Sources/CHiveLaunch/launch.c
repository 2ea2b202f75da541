// The clone-to-exec path of a container. Everything after clone() is
// async-signal-safe: no malloc, no stdio, no locks. Each step that fails
// writes {step, errno} to the error pipe and exits.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <termios.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hive_launch.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

uint32_t hive_scmp_act_errno(uint32_t err) { return SCMP_ACT_ERRNO(err); }
uint32_t hive_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }

struct report { char step[96]; int err; int exit_code; };

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

static void scopy(char *dst, size_t cap, const char *a, const char *b) {
    size_t i = 0;
    for (; a && *a && i + 1 < cap; a++) dst[i++] = *a;
    for (; b && *b && i + 1 < cap; b++) dst[i++] = *b;
    dst[i] = 0;
}

static __attribute__((noreturn)) void fail(int fd, const char *step, const char *what, int err, int code) {
    struct report r;
    memset(&r, 0, sizeof r);
    scopy(r.step, sizeof r.step, step, what);
    r.err = err;
    r.exit_code = code;
    ssize_t w = write(fd, &r, sizeof r);
    (void)w;
    _exit(code);
}

// Opens `path` (absolute, inside the container) relative to the new root
// without following any symlink: mount targets can never escape the rootfs.
static int open_in_root(int rootfd, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    while (*path == '/') path++;
    if (!*path) path = ".";
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

// Creates the directory (and parents) `path` under rootfd if missing, without following symlinks.
static int mkdir_in_root(int rootfd, const char *path) {
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
static int mount_on(int rootfd, const char *target, int want_dir, const char *src, const char *fstype,
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

static void become(const struct hive_plan *p, int errfd);
static int last_master = -1;
// A new container's pty, opened before pivot_root so /dev/console can be bound to it.
static int early_master = -1, early_slave = -1;
int hive_last_pty_master(void) { return last_master; }

// Receives the pty master the child sends (or -1 if it closed the socket first).
static int recv_master(int sock) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    char dummy;
    struct iovec iov = { &dummy, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

struct linux_dirent64 { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

// Copies the tree under dir `from` into dir `to` (both fds), keeping modes,
// owners and symlinks, never following a symlink. Stack buffers only.
static int copy_tree(int from, int to, int depth) {
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

static int dir_is_empty(const char *path) {
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

static void child(const struct hive_plan *p, int errfd, int syncfd) {
    char c;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) fail(errfd, "prctl(PDEATHSIG)", "", errno, 125);
    if (prctl(PR_SET_DUMPABLE, 0) < 0) fail(errfd, "prctl(DUMPABLE)", "", errno, 125);

    // ---- mounts
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(errfd, "make / private", "", errno, 125);
    if (mount("overlay", p->rootfs, "overlay", 0, p->overlay_data) < 0) fail(errfd, "mount overlay on ", p->rootfs, errno, 125);
    int root = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) fail(errfd, "open rootfs", "", errno, 125);

    const char *dirs[] = {"/proc", "/dev", "/sys", "/etc", "/tmp", NULL};
    for (int i = 0; dirs[i]; i++) if (mkdir_in_root(root, dirs[i]) < 0) fail(errfd, "create ", dirs[i], errno, 125);

    if (mount_on(root, "/proc", 1, "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0) fail(errfd, "mount /proc", "", errno, 125);
    if (mount_on(root, "/dev", 1, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0) fail(errfd, "mount /dev", "", errno, 125);
    int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
    if (dev < 0) fail(errfd, "open /dev", "", errno, 125);
    struct { const char *name; unsigned maj, min; mode_t mode; } nodes[] = {
        {"null", 1, 3, 0666}, {"zero", 1, 5, 0666}, {"full", 1, 7, 0666},
        {"random", 1, 8, 0666}, {"urandom", 1, 9, 0666}, {"tty", 5, 0, 0666},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        if (mknodat(dev, nodes[i].name, S_IFCHR | nodes[i].mode, makedev(nodes[i].maj, nodes[i].min)) < 0)
            fail(errfd, "mknod /dev/", nodes[i].name, errno, 125);
        if (fchmodat(dev, nodes[i].name, nodes[i].mode, 0) < 0) fail(errfd, "chmod /dev/", nodes[i].name, errno, 125);
    }
    const char *devdirs[] = {"pts", "shm", "mqueue", NULL};
    for (int i = 0; devdirs[i]; i++) if (mkdirat(dev, devdirs[i], 0755) < 0) fail(errfd, "mkdir /dev/", devdirs[i], errno, 125);
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0 || symlinkat("/proc/self/fd", dev, "fd") < 0 ||
        symlinkat("/proc/self/fd/0", dev, "stdin") < 0 || symlinkat("/proc/self/fd/1", dev, "stdout") < 0 ||
        symlinkat("/proc/self/fd/2", dev, "stderr") < 0 || symlinkat("/proc/kcore", dev, "core") < 0)
        fail(errfd, "create /dev symlinks", "", errno, 125);
    close(dev);
    if (mount_on(root, "/dev/pts", 1, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
        fail(errfd, "mount /dev/pts", "", errno, 125);
    if (mount_on(root, "/dev/shm", 1, "shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k") < 0)
        fail(errfd, "mount /dev/shm", "", errno, 125);
    if (mount_on(root, "/dev/mqueue", 1, "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
        fail(errfd, "mount /dev/mqueue", "", errno, 125);
    if (p->tty) {
        // -t: the pty comes from the container's devpts, and /dev/console is its slave (as with docker)
        early_master = open_in_root(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
        if (early_master < 0) fail(errfd, "open /dev/pts/ptmx", "", errno, 125);
        int unlock = 0, n = 0;
        if (ioctl(early_master, TIOCSPTLCK, &unlock) < 0 || ioctl(early_master, TIOCGPTN, &n) < 0) fail(errfd, "unlock pty", "", errno, 125);
        char sp[64];
        snprintf(sp, sizeof sp, "/dev/pts/%d", n);
        early_slave = open_in_root(root, sp, O_RDWR | O_NOCTTY);
        if (early_slave < 0) fail(errfd, "open ", sp, errno, 125);
        int devfd = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
        int cf = devfd < 0 ? -1 : openat(devfd, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (cf < 0) fail(errfd, "create /dev/console", "", errno, 125);
        close(cf);
        close(devfd);
        char src[64];
        snprintf(src, sizeof src, "/proc/self/fd/%d", early_slave);
        if (mount_on(root, "/dev/console", 0, src, NULL, MS_BIND, NULL) < 0) fail(errfd, "bind /dev/console", "", errno, 125);
    }
    unsigned long sysflags = MS_NOSUID | MS_NOEXEC | MS_NODEV | (p->privileged ? 0 : MS_RDONLY);
    if (mount_on(root, "/sys", 1, "sysfs", "sysfs", sysflags, NULL) < 0) {
        // without a private network namespace sysfs cannot be mounted: bind the host's, read-only
        if (mount_on(root, "/sys", 1, "/sys", NULL, MS_BIND | MS_REC, NULL) < 0) fail(errfd, "mount /sys", "", errno, 125);
        if (!p->privileged && mount_on(root, "/sys", 1, NULL, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
            fail(errfd, "remount /sys read-only", "", errno, 125);
    }

    // extra mounts: /etc/hostname, /etc/hosts, /etc/resolv.conf, volumes
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct hive_mount *m = &p->mounts[i];
        int isdir = 1;
        if (!m->fstype) {
            struct stat st;
            if (stat(m->source, &st) < 0) fail(errfd, "bind mount source ", m->source, errno, 125);
            isdir = S_ISDIR(st.st_mode);
        }
        if (isdir) {
            if (mkdir_in_root(root, m->target) < 0) fail(errfd, "create mount point ", m->target, errno, 125);
        } else {
            int t = open_in_root(root, m->target, O_PATH);
            if (t < 0) {
                // create an empty file to mount on (parent created safely first)
                char parent[4096];
                size_t n = slen(m->target);
                if (n >= sizeof parent) fail(errfd, "mount point too long ", m->target, ENAMETOOLONG, 125);
                memcpy(parent, m->target, n + 1);
                char *slash = strrchr(parent, '/');
                if (slash && slash != parent) { *slash = 0; if (mkdir_in_root(root, parent) < 0) fail(errfd, "create mount point ", m->target, errno, 125); *slash = '/'; }
                int pfd = slash && slash != parent ? (*slash = 0, open_in_root(root, parent, O_PATH | O_DIRECTORY)) : open_in_root(root, "/", O_PATH | O_DIRECTORY);
                if (pfd < 0) fail(errfd, "open mount point parent ", m->target, errno, 125);
                int f = openat(pfd, strrchr(m->target, '/') + 1, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (f < 0) fail(errfd, "create mount point ", m->target, errno, 125);
                close(f);
                close(pfd);
            } else {
                close(t);
            }
        }
        if (m->populate && isdir && dir_is_empty(m->source)) {
            int from = open_in_root(root, m->target, O_RDONLY | O_DIRECTORY);
            int to = open(m->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (from >= 0 && to >= 0 && copy_tree(from, to, 0) < 0) fail(errfd, "populate volume at ", m->target, errno, 125);
            if (from >= 0) close(from);
            if (to >= 0) close(to);
        }
        unsigned long flags = m->flags | (m->fstype ? 0 : MS_BIND | MS_REC);
        if (mount_on(root, m->target, isdir, m->source, m->fstype, flags, m->data) < 0) fail(errfd, "mount ", m->target, errno, 125);
        if (m->readonly && mount_on(root, m->target, isdir, NULL, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
            fail(errfd, "remount read-only ", m->target, errno, 125);
    }

    // masked and read-only /proc paths (Docker's lists), unless privileged
    if (!p->privileged) {
        int nullfd = open_in_root(root, "/dev/null", O_PATH);
        struct stat nst;
        if (nullfd < 0 || fstat(nullfd, &nst) < 0 || !S_ISCHR(nst.st_mode) || nst.st_rdev != makedev(1, 3))
            fail(errfd, "verify /dev/null", "", errno ? errno : EINVAL, 125);
        char nullpath[64];
        snprintf(nullpath, sizeof nullpath, "/proc/self/fd/%d", nullfd);
        for (int i = 0; p->masked && p->masked[i]; i++) {
            int fd = open_in_root(root, p->masked[i], O_PATH);
            if (fd < 0) continue;  // absent on this kernel
            struct stat st;
            fstat(fd, &st);
            char tp[64];
            snprintf(tp, sizeof tp, "/proc/self/fd/%d", fd);
            int r = S_ISDIR(st.st_mode) ? mount("tmpfs", tp, "tmpfs", MS_RDONLY, "size=0")
                                        : mount(nullpath, tp, NULL, MS_BIND, NULL);
            if (r < 0) fail(errfd, "mask ", p->masked[i], errno, 125);
            close(fd);
        }
        close(nullfd);
        for (int i = 0; p->readonly && p->readonly[i]; i++) {
            int fd = open_in_root(root, p->readonly[i], O_PATH);
            if (fd < 0) continue;
            char tp[64];
            snprintf(tp, sizeof tp, "/proc/self/fd/%d", fd);
            if (mount(tp, tp, NULL, MS_BIND | MS_REC, NULL) < 0) fail(errfd, "bind ", p->readonly[i], errno, 125);
            close(fd);
            fd = open_in_root(root, p->readonly[i], O_PATH);
            snprintf(tp, sizeof tp, "/proc/self/fd/%d", fd);
            if (mount(NULL, tp, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                fail(errfd, "make read-only ", p->readonly[i], errno, 125);
            close(fd);
        }
    }

    // ---- pivot into the new root
    if (fchdir(root) < 0) fail(errfd, "chdir to rootfs", "", errno, 125);
    if (syscall(SYS_pivot_root, ".", ".") < 0) fail(errfd, "pivot_root", "", errno, 125);
    if (umount2(".", MNT_DETACH) < 0) fail(errfd, "detach old root", "", errno, 125);
    close(root);
    if (chdir("/") < 0) fail(errfd, "chdir /", "", errno, 125);
    if (p->readonly_rootfs && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        fail(errfd, "remount / read-only", "", errno, 125);

    if (p->hostname && sethostname(p->hostname, slen(p->hostname)) < 0) fail(errfd, "sethostname", "", errno, 125);
    if (p->new_netns) {
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        memcpy(ifr.ifr_name, "lo", 3);
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail(errfd, "bring up lo", "", errno, 125);
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail(errfd, "bring up lo", "", errno, 125);
        close(s);
    }

    // The parent moves us into our cgroups while we set up the mounts above
    // (on cgroup v1 the first move waits for an RCU grace period, 10-20 ms
    // here); nothing of the container runs before it says we are in.
    if (read(syncfd, &c, 1) != 1) fail(errfd, "sync with hive (cgroups)", "", errno, 125);
    close(syncfd);
    become(p, errfd);
}

// Everything from rlimits to execve: shared by a new container's init and by
// a process `hive exec` starts inside a running container.
static void become(const struct hive_plan *p, int errfd) {
    struct rlimit rl = { p->nofile_soft, p->nofile_hard };
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) fail(errfd, "setrlimit(RLIMIT_NOFILE)", "", errno, 125);
    for (size_t i = 0; i < p->nrlimits; i++) {
        struct rlimit x = { p->rlimits[3 * i + 1], p->rlimits[3 * i + 2] };
        if (setrlimit((int)p->rlimits[3 * i], &x) < 0) fail(errfd, "setrlimit (--ulimit)", "", errno, 125);
    }

    // ---- a pseudo-terminal from the container's own devpts, its master sent to hive
    if (p->tty) {
        int master = early_master, slave = early_slave;
        if (master < 0) {  // exec: a new pty in the running container
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (master < 0) fail(errfd, "open /dev/ptmx", "", errno, 125);
            int unlock = 0, n = 0;
            if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) fail(errfd, "unlock pty", "", errno, 125);
            char slave_path[64];
            snprintf(slave_path, sizeof slave_path, "/dev/pts/%d", n);
            slave = open(slave_path, O_RDWR | O_NOCTTY);
            if (slave < 0) fail(errfd, "open ", slave_path, errno, 125);
        }
        if (p->tty_rows && p->tty_cols) {
            struct winsize ws = { p->tty_rows, p->tty_cols, 0, 0 };
            ioctl(slave, TIOCSWINSZ, &ws);
        }
        char cbuf[CMSG_SPACE(sizeof(int))];
        memset(cbuf, 0, sizeof cbuf);
        char dummy = 'm';
        struct iovec iov = { &dummy, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(p->console_fd, &msg, 0) < 0) fail(errfd, "send pty master", "", errno, 125);
        close(master);
        close(p->console_fd);
        if (setsid() < 0 && errno != EPERM) fail(errfd, "setsid", "", errno, 125);
        if (ioctl(slave, TIOCSCTTY, 0) < 0) fail(errfd, "set controlling terminal", "", errno, 125);
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) fail(errfd, "dup2 pty", "", errno, 125);
        if (slave > 2) close(slave);
    }

    // ---- stdio, then every other fd closes on exec (the error pipe included)
    if (!p->tty && p->stdin_fd >= 0 && dup2(p->stdin_fd, 0) < 0) fail(errfd, "dup2 stdin", "", errno, 125);
    if (!p->tty && p->stdout_fd >= 0 && dup2(p->stdout_fd, 1) < 0) fail(errfd, "dup2 stdout", "", errno, 125);
    if (!p->tty && p->stderr_fd >= 0 && dup2(p->stderr_fd, 2) < 0) fail(errfd, "dup2 stderr", "", errno, 125);
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) fail(errfd, "close_range", "", errno, 125);

    // ---- identity and privileges
    for (int cap = 0; cap <= p->cap_last; cap++) {
        if (!(p->caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail(errfd, "drop bounding capability", "", errno, 125);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail(errfd, "clear ambient capabilities", "", errno, 125);
    if (setgroups(p->ngroups, p->groups) < 0) fail(errfd, "setgroups", "", errno, 125);
    if (setresgid(p->gid, p->gid, p->gid) < 0) fail(errfd, "setgid", "", errno, 125);
    if (!p->no_new_privs && p->seccomp) {
        // without no_new_privs, installing the filter needs CAP_SYS_ADMIN: do it while we have it
        struct sock_fprog prog = { (unsigned short)p->seccomp_len, (struct sock_filter *)p->seccomp };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) fail(errfd, "seccomp", "", errno, 125);
    }
    if (setresuid(p->uid, p->uid, p->uid) < 0) fail(errfd, "setuid", "", errno, 125);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (p->uid == 0) {
        data[0].effective = data[0].permitted = (uint32_t)p->caps;
        data[1].effective = data[1].permitted = (uint32_t)(p->caps >> 32);
    }
    if (syscall(SYS_capset, &hdr, data) < 0) fail(errfd, "capset", "", errno, 125);
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(errfd, "prctl(NO_NEW_PRIVS)", "", errno, 125);

    // ---- working directory: must resolve inside the new root
    if (chdir(p->cwd) < 0) fail(errfd, "chdir to working directory ", p->cwd, errno, 125);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/') fail(errfd, "working directory is outside the container: ", p->cwd, EPERM, 125);

    // ---- signals back to defaults, then seccomp last, then exec
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    if (p->no_new_privs && p->seccomp) {
        struct sock_fprog prog = { (unsigned short)p->seccomp_len, (struct sock_filter *)p->seccomp };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) fail(errfd, "seccomp", "", errno, 125);
    }

    const char *cmd = p->argv[0];
    int saw_eacces = 0;
    if (strchr(cmd, '/')) {
        execve(cmd, (char *const *)p->argv, (char *const *)p->envp);
        int e = errno;
        fail(errfd, cmd, e == ENOENT ? ": no such file or directory" : e == EACCES ? ": permission denied" : ": cannot execute",
             e, e == ENOENT ? 127 : 126);
    }
    const char *path = p->search_path && *p->search_path ? p->search_path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char full[4096];
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : slen(path);
        if (n + slen(cmd) + 2 < sizeof full) {
            memcpy(full, path, n);
            full[n] = '/';
            memcpy(full + n + 1, cmd, slen(cmd) + 1);
            execve(full, (char *const *)p->argv, (char *const *)p->envp);
            if (errno == EACCES) saw_eacces = 1;
        }
        if (!end) break;
        path = end + 1;
    }
    if (saw_eacces) fail(errfd, cmd, ": permission denied", EACCES, 126);
    fail(errfd, cmd, ": executable file not found in $PATH", ENOENT, 127);
}

// Parent-side set-up shared by launch and exec: the console socketpair for
// -t and the cgroup.procs files the child writes itself into.
static int prepare_parent(struct hive_plan *p, int console[2], int *ncg, int strict, char *err, size_t errlen) {
    console[0] = console[1] = -1;
    last_master = -1;
    if (p->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    p->console_fd = console[1];
    *ncg = 0;
    for (int i = 0; i < 8; i++) p->cgroup_fds[i] = -1;
    for (int i = 0; p->cgroup_procs && p->cgroup_procs[i] && *ncg < 7; i++) {
        int fd = open(p->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (!strict) continue;
            snprintf(err, errlen, "open %s: %s", p->cgroup_procs[i], strerror(errno));
            for (int j = 0; j < *ncg; j++) close(p->cgroup_fds[j]);
            return -1;
        }
        p->cgroup_fds[(*ncg)++] = fd;
    }
    return 0;
}

// After the child started: receives the pty master (with -t) and closes the parent's copies.
static void finish_parent(struct hive_plan *p, int console[2], int ncg) {
    for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
    if (p->tty) {
        close(console[1]);
        last_master = recv_master(console[0]);
        close(console[0]);
    }
}

int hive_launch(const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen) {
    int errp[2], syncp[2];
    *exit_code = 125;
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    int console[2], ncg;
    if (prepare_parent(p, console, &ncg, 1, err, errlen) < 0) return -1;
    if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(syncp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    // A time namespace, where the kernel has one: CLONE_NEWTIME cannot be passed
    // to clone(2) (it overlaps the exit-signal byte), but unshare() puts the
    // caller's future children in a new one, which is all we need here.
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
    if (unshare(CLONE_NEWTIME) < 0 && errno != EINVAL && errno != EPERM) {
        snprintf(err, errlen, "unshare(CLONE_NEWTIME): %s", strerror(errno));
        return -1;
    }
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD;
    if (p->new_netns) flags |= CLONE_NEWNET;
    long r = syscall(SYS_clone, flags, 0, 0, 0, 0);
    if (r < 0) {
        snprintf(err, errlen, "clone: %s", strerror(errno));
        close(errp[0]); close(errp[1]); close(syncp[0]); close(syncp[1]);
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        return -1;
    }
    if (r == 0) {
        close(errp[0]);
        close(syncp[1]);
        child(p, errp[1], syncp[0]);
        _exit(125);
    }
    *pid = (pid_t)r;
    close(errp[1]);
    close(syncp[0]);
    // place the child in its cgroups while it mounts its filesystems
    char num[32];
    int len = snprintf(num, sizeof num, "%d", (int)r);
    for (int j = 0; j < ncg; j++) {
        if (write(p->cgroup_fds[j], num, (size_t)len) != len) {
            snprintf(err, errlen, "cannot move the container into its cgroup: %s", strerror(errno));
            kill(r, SIGKILL);
            int st;
            while (waitpid(r, &st, 0) < 0 && errno == EINTR) {}
            close(errp[0]);
            close(syncp[1]);
            finish_parent(p, console, ncg);
            return -1;
        }
    }
    ssize_t w = write(syncp[1], "g", 1);
    (void)w;
    close(syncp[1]);
    finish_parent(p, console, ncg);
    struct report rep;
    ssize_t n;
    do { n = read(errp[0], &rep, sizeof rep); } while (n < 0 && errno == EINTR);
    close(errp[0]);
    if (n == 0) return 0;  // exec succeeded: the pipe closed on exec
    int status;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof rep) {
        snprintf(err, errlen, "container setup failed");
        return -1;
    }
    rep.step[sizeof rep.step - 1] = 0;
    *exit_code = rep.exit_code;
    if (rep.exit_code == 127 || rep.exit_code == 126) snprintf(err, errlen, "%s", rep.step);
    else snprintf(err, errlen, "%s: %s", rep.step, strerror(rep.err));
    return -1;
}

// `hive exec`: a new process in the namespaces, cgroups and security
// settings of the running container whose init is `target`.
int hive_exec(pid_t target, const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen) {
    *exit_code = 126;
    const char *names[] = {"user", "ipc", "uts", "net", "pid", "cgroup", "mnt"};
    int nsfd[7];
    for (int i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)target, names[i]);
        nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd[i] < 0 && i > 0) {
            snprintf(err, errlen, "open %s: %s", path, strerror(errno));
            for (int j = 0; j < i; j++) if (nsfd[j] >= 0) close(nsfd[j]);
            return -1;
        }
    }
    if (nsfd[0] >= 0) { close(nsfd[0]); nsfd[0] = -1; }  // no user namespace: same as ours
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    int console[2], ncg;
    if (prepare_parent(p, console, &ncg, 0, err, errlen) < 0) return -1;
    // the PID and time namespaces apply to children: join them here, then fork
    if (setns(nsfd[4], CLONE_NEWPID) < 0) { snprintf(err, errlen, "setns(pid): %s", strerror(errno)); return -1; }
    {
        char tpath[64];
        snprintf(tpath, sizeof tpath, "/proc/%d/ns/time", (int)target);
        int tfd = open(tpath, O_RDONLY | O_CLOEXEC);
        if (tfd >= 0) {
            if (setns(tfd, CLONE_NEWTIME) < 0 && errno != EINVAL) { snprintf(err, errlen, "setns(time): %s", strerror(errno)); close(tfd); return -1; }
            close(tfd);
        }
    }
    pid_t r = fork();
    if (r < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); return -1; }
    if (r == 0) {
        close(errp[0]);
        if (prctl(PR_SET_DUMPABLE, 0) < 0) fail(errp[1], "prctl(DUMPABLE)", "", errno, 126);
        for (int i = 0; i < 8 && p->cgroup_fds[i] >= 0; i++)
            if (write(p->cgroup_fds[i], "0", 1) != 1) fail(errp[1], "join cgroup", "", errno, 126);
        int kinds[] = {0, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, 0, CLONE_NEWCGROUP, CLONE_NEWNS};
        for (int i = 1; i < 7; i++) {
            if (i == 4 || nsfd[i] < 0) continue;
            if (setns(nsfd[i], kinds[i]) < 0) fail(errp[1], "setns ", names[i], errno, 126);
        }
        if (chdir("/") < 0) fail(errp[1], "chdir /", "", errno, 126);
        become(p, errp[1]);
        _exit(126);
    }
    *pid = r;
    for (int i = 0; i < 7; i++) if (nsfd[i] >= 0) close(nsfd[i]);
    close(errp[1]);
    finish_parent(p, console, ncg);
    struct report rep;
    ssize_t n;
    do { n = read(errp[0], &rep, sizeof rep); } while (n < 0 && errno == EINTR);
    close(errp[0]);
    if (n == 0) return 0;
    int status;
    while (waitpid(r, &status, 0) < 0 && errno == EINTR) {}
    rep.step[sizeof rep.step - 1] = 0;
    *exit_code = rep.exit_code;
    if (rep.exit_code == 127 || (rep.exit_code == 126 && rep.err == EACCES)) snprintf(err, errlen, "%s", rep.step);
    else snprintf(err, errlen, "%s: %s", rep.step, strerror(rep.err));
    return -1;
}

// Foreground containers: the CLI forwards terminal and termination signals to
// the container's init while it waits.
static volatile pid_t forward_pid;
static void forward(int sig) { if (forward_pid > 0) kill(forward_pid, sig); }

void hive_forward_signals(pid_t pid) {
    forward_pid = pid;
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = forward;
        sa.sa_flags = SA_RESTART;
        sigaction(sigs[i], &sa, NULL);
    }
}

// Waits for `pid`; returns its exit status as a shell would (128+signal when killed).
int hive_wait_exit(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 125;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}

// Starts the monitor with the status pipe as its fd 3 and /dev/null as stdio.
int hive_spawn_monitor(const char *path, const char *const *argv, int status_w, pid_t *pid) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, status_w, 3);
    extern char **environ;
    int r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch = 1; }

int hive_pty_proxy(int master, pid_t pid) {
    struct termios saved;
    int raw = isatty(0) && tcgetattr(0, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    char buf[8192];
    int in_open = 1;
    for (;;) {
        if (winch) {
            winch = 0;
            struct winsize ws;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
        }
        struct pollfd fds[2] = { { master, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
        int r = poll(fds, 2, -1);
        if (r < 0) { if (errno == EINTR) continue; break; }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0) break;  // EIO: the container's side of the terminal is gone
            ssize_t off = 0;
            while (off < n) { ssize_t w = write(1, buf + off, (size_t)(n - off)); if (w <= 0) break; off += w; }
        }
        if (in_open && (fds[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n <= 0) { in_open = 0; continue; }
            ssize_t off = 0;
            while (off < n) { ssize_t w = write(master, buf + off, (size_t)(n - off)); if (w <= 0) break; off += w; }
        }
    }
    if (raw) tcsetattr(0, TCSANOW, &saved);
    close(master);
    return hive_wait_exit(pid);
}

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
    struct report rep;
    ssize_t n;
    do { n = read(errp[0], &rep, sizeof rep); } while (n < 0 && errno == EINTR);
    close(errp[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n == (ssize_t)sizeof rep) {
        rep.step[sizeof rep.step - 1] = 0;
        snprintf(err, errlen, "%s: %s", rep.step, strerror(rep.err));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { snprintf(err, errlen, "copy failed"); return -1; }
    return 0;
}
