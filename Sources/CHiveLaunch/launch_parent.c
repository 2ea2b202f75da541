// The parent side of a new container's launch: preparing the console and
// cgroup files, opening the namespaces a container joins, cloning
// launch_child (launch.c) and collecting its report.
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
#include <sys/statfs.h>
#include <poll.h>
#include <linux/mount.h>


// Parent-side set-up shared by launch and exec: the console socketpair for
// -t and the cgroup.procs files the child writes itself into.
int prepare_parent(struct hive_plan *p, int console[2], int *ncg, int strict, char *err, size_t errlen) {
    console[0] = console[1] = -1;
    last_master = -1;
    if (p->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    p->console_fd = console[1];
    *ncg = 0;
    for (int i = 0; i < HIVE_MAX_CGROUPS; i++) p->cgroup_fds[i] = -1;
    for (int i = 0; p->cgroup_procs && p->cgroup_procs[i] && *ncg < HIVE_MAX_CGROUPS; i++) {
        int fd = open(p->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (!strict) continue;
            snprintf(err, errlen, "cannot join the container's cgroup %s: %s", p->cgroup_procs[i], strerror(errno));
            for (int j = 0; j < *ncg; j++) close(p->cgroup_fds[j]);
            return -1;
        }
        p->cgroup_fds[(*ncg)++] = fd;
    }
    return 0;
}

// After the child started: receives the pty master (with -t) and closes the parent's copies.
void finish_parent(struct hive_plan *p, int console[2], int ncg) {
    for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
    if (p->tty) {
        close(console[1]);
        last_master = recv_fd(console[0]);
        close(console[0]);
    }
}

int hive_launch(const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen) {
    int report;
    *exit_code = 125;
    if (hive_launch_start(plan, pid, &report, err, errlen) < 0) return -1;
    return hive_launch_finish(report, *pid, exit_code, err, errlen);
}

int hive_launch_finish(int report_fd, pid_t pid, int *exit_code, char *err, size_t errlen) {
    *exit_code = 125;
    return collect_report(report_fd, pid, -1, exit_code, err, errlen);
}

// --ipc/--pid container:NAME: the other container's namespace `kind` as an
// fd, opened before its init's start time is checked (a pid recycled in
// between fails the check; one recycled after cannot change the open fd).
static int open_joined_ns(int64_t pid, int64_t start, const char *kind, const char *flag, char *err, size_t errlen) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%lld/ns/%s", (long long)pid, kind);
    int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0 && proc_start_time((pid_t)pid) == (long long)start) return fd;
    if (fd >= 0) close(fd);
    snprintf(err, errlen, "cannot join the %s namespace of --%s container: it is not running (process %lld is gone)", kind, flag, (long long)pid);
    return -1;
}

static void close_joined(struct hive_plan *p) {
    if (p->ipc_fd >= 0) close(p->ipc_fd);
    if (p->pid_fd >= 0) close(p->pid_fd);
    if (p->ipc_shm_fd >= 0) close(p->ipc_shm_fd);
    p->ipc_fd = p->pid_fd = p->ipc_shm_fd = -1;
}

// --ipc container:NAME: NAME's /dev/shm, so the two share POSIX shared memory
// (shm_open) as well as the IPC namespace, as Docker's do.
//
// NAME's mount namespace is NAME's to change, so nothing found there is
// trusted: a helper process (fork-like, raw system calls only) enters it,
// opens /dev/shm without following a symlink, and takes it only if it is a
// tmpfs mounted from its root (statmount's mnt_root "/", not a bind of one
// of its directories); it clones that one mount (open_tree: a clone is
// refused from outside the mount's namespace) and makes the clone private
// (no propagation to or from NAME's), nosuid, nodev and noexec, then passes
// it back over a socket. A lookup NAME can make hang (a FUSE mount it
// serves on /dev) is cut off after SHM_HELPER_MS. Where the kernel lacks a
// call this needs (statmount: 6.8), the joiner gets a /dev/shm of its own, as before.
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#define SHM_TMPFS_MAGIC 0x01021994
#define SHM_STATX_MNT_ID_UNIQUE 0x00004000U
#define SHM_STATMOUNT_MNT_ROOT 0x00000008U
#define SHM_HELPER_MS 5000
enum { SHM_OK = 0, SHM_NOT_OWN = -1, SHM_UNSUPPORTED = -2 };

struct shm_mnt_id_req { uint32_t size, spare; uint64_t mnt_id, param; };
struct shm_statmount {
    uint32_t size, mnt_opts;
    uint64_t mask;
    uint32_t sb_dev_major, sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags, fs_type;
    uint64_t mnt_id, mnt_parent_id;
    uint32_t mnt_id_old, mnt_parent_id_old;
    uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
    uint32_t mnt_root, mnt_point;
    uint64_t spare2[50];
    char str[];
};

// In the helper: SHM_OK with *tree set, SHM_NOT_OWN, SHM_UNSUPPORTED, or an errno.
static int shm_clone(int mntns, int *tree) {
    if (setns(mntns, CLONE_NEWNS) < 0) return errno;
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int shm = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/shm", &how, sizeof how);
    if (shm < 0) return errno == ENOSYS ? SHM_UNSUPPORTED : errno == ELOOP || errno == ENOTDIR ? SHM_NOT_OWN : errno;
    struct statfs sf;
    struct statx sx;
    if (fstatfs(shm, &sf) < 0 || statx(shm, "", AT_EMPTY_PATH, STATX_TYPE | SHM_STATX_MNT_ID_UNIQUE, &sx) < 0) return errno;
    if ((unsigned long)sf.f_type != SHM_TMPFS_MAGIC || !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) return SHM_NOT_OWN;
    if (!(sx.stx_mask & SHM_STATX_MNT_ID_UNIQUE)) return SHM_UNSUPPORTED;
    static union { struct shm_statmount sm; char bytes[sizeof(struct shm_statmount) + 4096]; } buf;
    struct shm_mnt_id_req req = {sizeof req, 0, sx.stx_mnt_id, SHM_STATMOUNT_MNT_ROOT};
    if (syscall(SYS_statmount, &req, &buf, sizeof buf, 0) < 0) return errno == ENOSYS ? SHM_UNSUPPORTED : errno;
    if (!(buf.sm.mask & SHM_STATMOUNT_MNT_ROOT) || buf.sm.mnt_root >= sizeof buf.bytes - sizeof buf.sm ||
        strcmp(buf.sm.str + buf.sm.mnt_root, "/") != 0)
        return SHM_NOT_OWN;
    int t = (int)syscall(SYS_open_tree, shm, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
    if (t < 0) return errno == ENOSYS ? SHM_UNSUPPORTED : errno;
    struct mount_attr a;
    memset(&a, 0, sizeof a);
    a.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    a.propagation = MS_PRIVATE;
    if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof a) < 0) return errno == ENOSYS ? SHM_UNSUPPORTED : errno;
    *tree = t;
    return SHM_OK;
}

// The parent's side: the clone's fd in *out (-1: none, the kernel cannot; the
// joiner makes its own), 0; or -1 with err set.
static int donor_shm(int64_t pid, int64_t start, int *out, char *err, size_t errlen) {
    *out = -1;
    int mntns = open_joined_ns(pid, start, "mnt", "ipc", err, errlen);
    if (mntns < 0) return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        close(mntns);
        return -1;
    }
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(sv[0]);
        int tree = -1, code = shm_clone(mntns, &tree);
        char c = (char)(code == SHM_OK ? 0 : code == SHM_NOT_OWN ? 1 : code == SHM_UNSUPPORTED ? 2 : 3);
        if (code > 0) { ssize_t w = write(sv[1], &code, sizeof code); (void)w; }
        else if (code == SHM_OK) send_fd(sv[1], tree);
        else { ssize_t w = write(sv[1], &c, 1); (void)w; }
        _exit(0);
    }
    int e = errno;
    close(mntns);
    close(sv[1]);
    if (r < 0) {
        snprintf(err, errlen, "clone: %s", strerror(e));
        close(sv[0]);
        return -1;
    }
    struct pollfd pf = {sv[0], POLLIN, 0};
    int pr;
    do { pr = poll(&pf, 1, SHM_HELPER_MS); } while (pr < 0 && errno == EINTR);
    int rc = 0;
    if (pr <= 0) {
        kill((pid_t)r, SIGKILL);
        snprintf(err, errlen, "cannot share the --ipc container's /dev/shm: looking it up in that container took over %d s (is its /dev served by a process that does not answer?)", SHM_HELPER_MS / 1000);
        rc = -1;
    } else {
        // an fd (SCM_RIGHTS), a one-byte code, or an errno (an int)
        char buf[sizeof(int)];
        struct iovec iov = {buf, sizeof buf};
        union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = u.b;
        m.msg_controllen = sizeof u.b;
        ssize_t n;
        do { n = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
        struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            memcpy(out, CMSG_DATA(c), sizeof(int));
        } else if (n == 1 && buf[0] == 2) {
            // the kernel lacks a call: a /dev/shm of its own (as before hive shared it)
        } else if (n == 1 && buf[0] == 1) {
            snprintf(err, errlen, "cannot share the --ipc container's /dev/shm: it is not a tmpfs mounted there from its root");
            rc = -1;
        } else {
            int code = EIO;
            if (n == (ssize_t)sizeof(int)) memcpy(&code, buf, sizeof code);
            snprintf(err, errlen, "cannot share the --ipc container's /dev/shm: %s", strerror(code));
            rc = -1;
        }
    }
    close(sv[0]);
    while (waitpid((pid_t)r, NULL, 0) < 0 && errno == EINTR) {}
    return rc;
}

int hive_launch_start(const struct hive_plan *plan, pid_t *pid, int *report_fd, char *err, size_t errlen) {
    int errp[2], syncp[2];
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    int console[2], ncg;
    p->ipc_fd = p->pid_fd = p->ipc_shm_fd = -1;
    // --ipc container:NAME: its IPC namespace and its /dev/shm
    if (p->ipc == HIVE_NS_JOIN && (p->ipc_fd = open_joined_ns(p->ipc_pid, p->ipc_start, "ipc", "ipc", err, errlen)) < 0) return -1;
    if (p->ipc == HIVE_NS_JOIN && donor_shm(p->ipc_pid, p->ipc_start, &p->ipc_shm_fd, err, errlen) < 0) {
        close_joined(p);
        return -1;
    }
    if (p->pid_mode == HIVE_NS_JOIN && (p->pid_fd = open_joined_ns(p->pid_pid, p->pid_start, "pid", "pid", err, errlen)) < 0) {
        close_joined(p);
        return -1;
    }
    if (prepare_parent(p, console, &ncg, 1, err, errlen) < 0) { close_joined(p); return -1; }
    // the sync channel is a socket: a child that failed before reading it
    // must not kill hive with SIGPIPE (send with MSG_NOSIGNAL below)
    if (pipe2(errp, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, syncp) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        close_joined(p);
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
        close(errp[0]); close(errp[1]); close(syncp[0]); close(syncp[1]);
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        close_joined(p);
        return -1;
    }
    // the namespaces: each the container's own unless shared (--pid, --ipc, --uts, --cgroupns)
    unsigned long flags = CLONE_NEWNS | SIGCHLD;
    if (p->pid_mode == HIVE_NS_PRIVATE) flags |= CLONE_NEWPID;
    if (p->ipc == HIVE_NS_PRIVATE || p->ipc == HIVE_NS_NONE) flags |= CLONE_NEWIPC;
    if (!p->uts_host) flags |= CLONE_NEWUTS;
    if (!p->cgroupns_host) flags |= CLONE_NEWCGROUP;
    // the network part: a namespace to join (named, or made ahead for a new
    // one: the caller's netns_fd), else a new one cloned, else the host's
    int joined = -1;
    if (p->netns == HIVE_NETNS_JOIN) {
        joined = p->netns_path ? open(p->netns_path, O_RDONLY | O_CLOEXEC) : -1;
        if (joined < 0) {
            snprintf(err, errlen, "cannot open the network namespace %s: %s", p->netns_path ? p->netns_path : "(none)", strerror(errno));
            close(errp[0]); close(errp[1]); close(syncp[0]); close(syncp[1]);
            for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
            close_joined(p);
            return -1;
        }
        p->netns_fd = joined;
    } else if (p->netns != HIVE_NETNS_NEW) {
        p->netns_fd = -1;
    }
    if (p->netns == HIVE_NETNS_NEW && p->netns_fd < 0) flags |= CLONE_NEWNET;
    // --pid container:NAME: a pid namespace applies to children only, so this
    // thread joins it for the clone and goes back to its own (as hive_exec does)
    struct own_ns own = {-1, -1};
    long r = -1;
    int clone_errno = 0;
    if (p->pid_fd >= 0 && own_ns_open(&own, err, errlen) < 0) clone_errno = -1;
    else if (p->pid_fd >= 0 && setns(p->pid_fd, CLONE_NEWPID) < 0) { clone_errno = errno; own_ns_restore(&own, err, 0); }
    else {
        r = syscall(SYS_clone, flags, 0, 0, 0, 0);
        clone_errno = errno;
        if (r != 0 && p->pid_fd >= 0 && own_ns_restore(&own, err, errlen) < 0 && r > 0) {
            kill((pid_t)r, SIGKILL);
            waitpid((pid_t)r, NULL, 0);
            r = -1;
            clone_errno = -1;
        }
    }
    if (joined >= 0 && r != 0) close(joined);
    if (r < 0) {
        if (clone_errno > 0 && p->pid_fd >= 0 && clone_errno == ENOMEM)
            snprintf(err, errlen, "cannot join the pid namespace of --pid container: its init has exited");
        else if (clone_errno > 0)
            snprintf(err, errlen, "clone: %s", strerror(clone_errno));
        close(errp[0]); close(errp[1]); close(syncp[0]); close(syncp[1]);
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        close_joined(p);
        return -1;
    }
    if (r == 0) {
        close(errp[0]);
        close(syncp[1]);
        launch_child(p, errp[1], syncp[0]);
        _exit(125);
    }
    *pid = (pid_t)r;
    close_joined(p);
    close(errp[1]);
    close(syncp[0]);
    // place the child in its cgroups while it mounts its filesystems
    char num[32];
    int len = snprintf(num, sizeof num, "%d", (int)r);
    for (int j = 0; j < ncg; j++) {
        if (write(p->cgroup_fds[j], num, (size_t)len) != len) {
            int e = errno, code;
            kill(r, SIGKILL);
            close(syncp[1]);
            finish_parent(p, console, ncg);
            // a child that failed first (and is gone: ESRCH) says why; else the move failed
            if (collect_report(errp[0], r, -1, &code, err, errlen) == 0) {
                int st;
                while (waitpid(r, &st, 0) < 0 && errno == EINTR) {}
                snprintf(err, errlen, "cannot move the container into its cgroup: %s", strerror(e));
            }
            return -1;
        }
    }
    ssize_t w = send(syncp[1], "g", 1, MSG_NOSIGNAL);
    (void)w;
    close(syncp[1]);
    finish_parent(p, console, ncg);
    *report_fd = errp[0];
    return 0;
}
