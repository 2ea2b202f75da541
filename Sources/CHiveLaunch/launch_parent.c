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
    if (p->ipc_mnt_fd >= 0) close(p->ipc_mnt_fd);
    p->ipc_fd = p->pid_fd = p->ipc_mnt_fd = -1;
}

int hive_launch_start(const struct hive_plan *plan, pid_t *pid, int *report_fd, char *err, size_t errlen) {
    int errp[2], syncp[2];
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    int console[2], ncg;
    p->ipc_fd = p->pid_fd = p->ipc_mnt_fd = -1;
    // --ipc container:NAME: its IPC namespace, and its mount namespace for the
    // child to take NAME's /dev/shm from (POSIX shared memory, as with Docker)
    if (p->ipc == HIVE_NS_JOIN && (p->ipc_fd = open_joined_ns(p->ipc_pid, p->ipc_start, "ipc", "ipc", err, errlen)) < 0) return -1;
    if (p->ipc == HIVE_NS_JOIN && (p->ipc_mnt_fd = open_joined_ns(p->ipc_pid, p->ipc_start, "mnt", "ipc", err, errlen)) < 0) {
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
