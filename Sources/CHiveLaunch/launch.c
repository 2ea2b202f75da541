// The clone-to-exec path of a new container (DESIGN.md "launch", STYLE.md 6).
// Everything after clone() is async-signal-safe: no malloc, no stdio, no
// locks. Each step that fails reports {step, errno} over a pipe and exits.
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
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

// One --sysctl "key=value": the key's dots are path separators unless it
// has slashes (an interface name with a dot: net/ipv4/conf/eth0.1/...).
static void write_sysctl(int root, const char *kv, int errfd) {
    char path[512];
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : 0;
    if (!eq || klen + 11 >= sizeof path) fail(errfd, "sysctl ", kv, EINVAL, 125);
    memcpy(path, "/proc/sys/", 10);
    int slashes = memchr(kv, '/', klen) != NULL;
    for (size_t i = 0; i < klen; i++) path[10 + i] = (!slashes && kv[i] == '.') ? '/' : kv[i];
    path[10 + klen] = 0;
    int fd = open_in_root(root, path, O_WRONLY);
    size_t vlen = slen(eq + 1);
    if (fd < 0 || write(fd, eq + 1, vlen) != (ssize_t)vlen) fail(errfd, "write sysctl ", path + 10, errno, 125);
    close(fd);
}

#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

// --ipc container:NAME: the detached copy of NAME's /dev/shm the parent made
// (donor_shm in launch_parent.c) moved onto this container's /dev/shm.
static void share_shm(int root, int tree, int errfd) {
    int dst = open_in_root(root, "/dev/shm", O_PATH | O_DIRECTORY);
    if (dst < 0 || syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        fail(errfd, "mount the --ipc container's /dev/shm", "", errno, 125);
    close(dst);
    close(tree);
}

void launch_child(const struct hive_plan *p, int errfd, int syncfd) {
    char c;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) fail(errfd, "prctl(PDEATHSIG)", "", errno, 125);
    if (p->netns_fd >= 0) {
        if (setns(p->netns_fd, CLONE_NEWNET) < 0) fail(errfd, "join the network namespace", "", errno, 125);
        close(p->netns_fd);
    }
    if (p->ipc_fd >= 0) {
        if (setns(p->ipc_fd, CLONE_NEWIPC) < 0) fail(errfd, "join the IPC namespace", "", errno, 125);
        close(p->ipc_fd);
    }
    if (p->oom_score_adj_set) {
        char v[24];
        int n = snprintf(v, sizeof v, "%d", p->oom_score_adj);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, v, (size_t)n) != n)
            fail(errfd, "set oom_score_adj", errno == EACCES ? " (below hive's own it needs CAP_SYS_RESOURCE)" : "", errno, 125);
        close(fd);
    }
    if (prctl(PR_SET_DUMPABLE, 0) < 0) fail(errfd, "prctl(DUMPABLE)", "", errno, 125);

    // ---- mounts
    // Private, so nothing of the container's propagates out; slave instead
    // when a bind asks for slave or shared propagation (-v SRC:DST:rslave):
    // the host's mounts below its source then propagate in, never back.
    int slave = 0;
    for (size_t i = 0; i < p->nmounts; i++) if (!p->mounts[i].fstype && (p->mounts[i].flags & (MS_SLAVE | MS_SHARED))) slave = 1;
    if (mount(NULL, "/", NULL, MS_REC | (slave ? MS_SLAVE : MS_PRIVATE), NULL) < 0) fail(errfd, "make / private", "", errno, 125);
    if (mount("overlay", p->rootfs, "overlay", 0, p->overlay_data) < 0) {
        // a kernel without overlayfs's "volatile" (before 5.10): mount without it
        char data[8192];
        size_t n = slen(p->overlay_data), v = sizeof ",volatile" - 1;
        if (errno != EINVAL || n < v || n >= sizeof data || strcmp(p->overlay_data + n - v, ",volatile") != 0)
            fail(errfd, "mount overlay on ", p->rootfs, errno, 125);
        memcpy(data, p->overlay_data, n - v);
        data[n - v] = 0;
        if (mount("overlay", p->rootfs, "overlay", 0, data) < 0) fail(errfd, "mount overlay on ", p->rootfs, errno, 125);
    }
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
    // /dev/shm: the container's own tmpfs (--shm-size), the host's (--ipc host),
    // the other container's (--ipc container:NAME), none (--ipc none)
    if (p->ipc == HIVE_NS_HOST) {
        if (mount_on(root, "/dev/shm", 1, "/dev/shm", NULL, MS_BIND | MS_REC, NULL) < 0) fail(errfd, "bind the host's /dev/shm", "", errno, 125);
    } else if (p->ipc == HIVE_NS_JOIN && p->ipc_shm_fd >= 0) {
        share_shm(root, p->ipc_shm_fd, errfd);
    } else if (p->ipc != HIVE_NS_NONE) {
        char shm[64];
        snprintf(shm, sizeof shm, "mode=1777,size=%lld", (long long)(p->shm_size > 0 ? p->shm_size : 64LL << 20));
        if (mount_on(root, "/dev/shm", 1, "shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, shm) < 0)
            fail(errfd, "mount /dev/shm", "", errno, 125);
    }
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
        // where sysfs cannot be mounted (a user namespace that does not own the
        // network namespace): bind the host's, read-only with every submount
        // (cgroupfs, debugfs, tracefs...)
        if (mount_on(root, "/sys", 1, "/sys", NULL, MS_BIND | MS_REC, NULL) < 0) fail(errfd, "mount /sys", "", errno, 125);
        if (!p->privileged && readonly_tree(root, "/sys", 1, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV) < 0)
            fail(errfd, "remount /sys read-only", "", errno, 125);
    }

    // extra mounts: /etc/hostname, /etc/hosts, /etc/resolv.conf, volumes
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct hive_mount *m = &p->mounts[i];
        int isdir = 1;
        // A bind source (resolved by hive when the plan was made) is opened
        // refusing every symlink on its path, and bound from that fd: a symlink
        // swapped in since (a policy judged the source at create) fails here.
        // A /proc/self/fd/N source is an fd hive opened and checked itself.
        const char *src = m->source;
        char srcpath[64];
        int srcfd = -1;
        if (!m->fstype) {
            if (strncmp(m->source, "/proc/self/fd/", 14) != 0) {
                struct open_how how;
                memset(&how, 0, sizeof how);
                how.flags = O_PATH | O_CLOEXEC;
                how.resolve = RESOLVE_NO_SYMLINKS;
                srcfd = (int)syscall(SYS_openat2, AT_FDCWD, m->source, &how, sizeof how);
                if (srcfd < 0 && errno == ENOSYS) srcfd = open(m->source, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (srcfd < 0) fail(errfd, "bind mount source ", m->source, errno, 125);
                snprintf(srcpath, sizeof srcpath, "/proc/self/fd/%d", srcfd);
                src = srcpath;
            }
            struct stat st;
            if (stat(src, &st) < 0) fail(errfd, "bind mount source ", m->source, errno, 125);
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
        if (m->populate && isdir && dir_is_empty(src)) {
            int from = open_in_root(root, m->target, O_RDONLY | O_DIRECTORY);
            int to = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (from >= 0 && to >= 0 && copy_tree(from, to, 0) < 0) fail(errfd, "populate volume at ", m->target, errno, 125);
            if (from >= 0) close(from);
            if (to >= 0) close(to);
        }
        // a bind's propagation (-v ...:rslave) rides in its flags: applied after the bind
        unsigned long prop = m->fstype ? 0 : m->flags & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_REC);
        unsigned long flags = (m->flags & ~prop) | (m->fstype ? 0 : MS_BIND | MS_REC);
        if (mount_on(root, m->target, isdir, m->fstype ? m->source : src, m->fstype, flags, m->data) < 0) fail(errfd, "mount ", m->target, errno, 125);
        if (srcfd >= 0) close(srcfd);
        if (!m->fstype && slave && !(prop & (MS_SHARED | MS_SLAVE | MS_PRIVATE))) prop = MS_REC | MS_PRIVATE;  // Docker's default, rprivate
        if ((prop & ~(unsigned long)MS_REC) && mount_on(root, m->target, isdir, NULL, NULL, prop, NULL) < 0)
            fail(errfd, "set the propagation of ", m->target, errno, 125);
        // :ro all the way down: mounts below the source are read-only too
        if (m->readonly && readonly_tree(root, m->target, isdir, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) < 0)
            fail(errfd, "remount read-only ", m->target, errno, 125);
    }

    // --sysctl, in the container's namespaces, before /proc/sys is made read-only
    for (int i = 0; p->sysctls && p->sysctls[i]; i++) write_sysctl(root, p->sysctls[i], errfd);

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
            struct stat st;
            int isdir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
            close(fd);
            if (readonly_tree(root, p->readonly[i], isdir, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) < 0)
                fail(errfd, "make read-only ", p->readonly[i], errno, 125);
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

    if (!p->uts_host && p->hostname && sethostname(p->hostname, slen(p->hostname)) < 0) fail(errfd, "sethostname", "", errno, 125);
    if (!p->uts_host && p->domainname && setdomainname(p->domainname, slen(p->domainname)) < 0) fail(errfd, "setdomainname", "", errno, 125);
    if (p->netns == HIVE_NETNS_NEW && p->netns_fd < 0) {
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


