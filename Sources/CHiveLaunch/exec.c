// `hive exec`: a process joins a running container.
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
#include <sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// Whether `pid` is listed in the cgroup.procs file `path` (-1: unreadable).
struct procs_find { char want[16]; size_t wl; int found; };
static int procs_line(char *line, void *arg) {
    struct procs_find *f = arg;
    if (slen(line) == f->wl && memcmp(line, f->want, f->wl) == 0) f->found = 1;
    return f->found;
}
static int in_cgroup(const char *path, pid_t pid) {
    struct procs_find f;
    f.wl = (size_t)snprintf(f.want, sizeof f.want, "%d", (int)pid);
    f.found = 0;
    if (read_lines(path, procs_line, &f) < 0) return -1;
    return f.found;
}

// The container's init, pinned by a pidfd: it must be the process hive
// recorded (same start time) and sit in the container's cgroup. Every
// namespace is then joined through the pidfd, so a pid that is recycled at
// any moment makes exec fail (ESRCH) instead of joining a host process.
static int pin_container(pid_t target, uint64_t want_start, const struct hive_plan *p, char *err, size_t errlen) {
    int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
    if (pidfd < 0) {
        snprintf(err, errlen, "the container's process %d is gone (%s): it is no longer running", (int)target, strerror(errno));
        return -1;
    }
    if (want_start && proc_start_time(target) != (long long)want_start) {
        snprintf(err, errlen, "process %d is no longer the container's (its start time differs from the record): the container is not running", (int)target);
        close(pidfd);
        return -1;
    }
    if (p->cgroup_procs && p->cgroup_procs[0] && in_cgroup(p->cgroup_procs[0], target) != 1) {
        snprintf(err, errlen, "process %d is not in the container's cgroup %s: refusing to exec into it", (int)target, p->cgroup_procs[0]);
        close(pidfd);
        return -1;
    }
    // still the same process: the checks above were about it, not a successor
    if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
        snprintf(err, errlen, "the container's process %d exited (%s)", (int)target, strerror(errno));
        close(pidfd);
        return -1;
    }
    return pidfd;
}

// The calling thread's namespaces for its children (pid, time): opened
// before hive_exec joins the container's, switched back to after its fork.
int own_ns_open(struct own_ns *o, char *err, size_t errlen) {
    o->time = open("/proc/thread-self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (o->time < 0 && errno != ENOENT) {  // ENOENT: a kernel without time namespaces
        snprintf(err, errlen, "open /proc/thread-self/ns/time_for_children: %s", strerror(errno));
        return -1;
    }
    o->pid = open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
    if (o->pid < 0) {
        snprintf(err, errlen, "open /proc/thread-self/ns/pid_for_children: %s", strerror(errno));
        if (o->time >= 0) close(o->time);
        return -1;
    }
    return 0;
}

// Back to them, and closed: 0, or -1 with err set. (The time namespace is
// set back only when it was joined: own_ns_open's fd is closed otherwise.)
int own_ns_restore(struct own_ns *o, char *err, size_t errlen) {
    int rc = 0;
    if (setns(o->pid, CLONE_NEWPID) < 0 || (o->time >= 0 && setns(o->time, CLONE_NEWTIME) < 0)) {
        snprintf(err, errlen, "return to hive's own pid and time namespaces: %s", strerror(errno));
        rc = -1;
    }
    close(o->pid);
    if (o->time >= 0) close(o->time);
    return rc;
}

// `hive exec`: a new process in the namespaces, cgroups and security
// settings of the running container whose init is `target`.
int hive_exec(pid_t target, uint64_t target_start, const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen) {
    *exit_code = 126;
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    struct own_ns own;
    if (own_ns_open(&own, err, errlen) < 0) return -1;
    int pidfd = pin_container(target, target_start, p, err, errlen);
    if (pidfd < 0) { own_ns_restore(&own, err, 0); return -1; }
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(pidfd);
        own_ns_restore(&own, err, 0);
        return -1;
    }
    // every cgroup of the container, or no exec: a process outside its pids
    // or memory (or device) cgroup would escape the container's limits
    int console[2], ncg;
    if (prepare_parent(p, console, &ncg, 1, err, errlen) < 0) {
        close(pidfd); close(errp[0]); close(errp[1]);
        own_ns_restore(&own, err, 0);
        return -1;
    }
    // the PID and time namespaces apply to children: join them here, fork,
    // then this thread's children are in its own again (own_ns_restore)
    int joined = own.time >= 0 ? setns(pidfd, CLONE_NEWPID | CLONE_NEWTIME) : -1;
    if (joined < 0 && (own.time < 0 || errno == EINVAL)) {
        // no time namespaces here: the pid namespace alone
        if (own.time >= 0) { close(own.time); own.time = -1; }
        joined = setns(pidfd, CLONE_NEWPID);
    }
    pid_t r = -1;
    if (joined < 0) snprintf(err, errlen, "join the container's pid namespace: %s", strerror(errno));
    else if ((r = fork()) < 0) snprintf(err, errlen, "fork: %s", strerror(errno));
    if (r != 0) {
        // the parent, or no child: its own namespaces back on every path
        int restored = own_ns_restore(&own, r > 0 ? err : NULL, r > 0 ? errlen : 0);
        if (r > 0 && restored < 0) {
            // cannot happen in practice; never leave later children in the container's namespaces unknown
            kill(r, SIGKILL);
            while (waitpid(r, NULL, 0) < 0 && errno == EINTR) {}
            r = -1;
        }
    }
    if (r < 0) {
        close(pidfd); close(errp[0]); close(errp[1]);
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        if (console[0] >= 0) { close(console[0]); close(console[1]); }
        return -1;
    }
    if (r == 0) {
        close(errp[0]);
        if (prctl(PR_SET_DUMPABLE, 0) < 0) fail(errp[1], "prctl(DUMPABLE)", "", errno, 126);
        for (int i = 0; i < ncg; i++)
            if (write(p->cgroup_fds[i], "0", 1) != 1) fail(errp[1], "join the container's cgroup ", p->cgroup_procs[i], errno, 126);
        if (setns(pidfd, CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWNS) < 0)
            fail(errp[1], "join the container's namespaces", "", errno, 126);
        close(pidfd);
        if (chdir("/") < 0) fail(errp[1], "chdir /", "", errno, 126);
        become(p, errp[1]);
        _exit(126);
    }
    *pid = r;
    close(pidfd);
    close(errp[1]);
    finish_parent(p, console, ncg);
    return collect_report(errp[0], r, HIVE_EXEC_START_TIMEOUT_MS, exit_code, err, errlen);
}
