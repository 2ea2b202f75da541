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

// `hive exec`: a new process in the namespaces, cgroups and security
// settings of the running container whose init is `target`.
int hive_exec(pid_t target, uint64_t target_start, const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen) {
    *exit_code = 126;
    struct hive_plan copy = *plan;
    struct hive_plan *p = &copy;
    int pidfd = pin_container(target, target_start, p, err, errlen);
    if (pidfd < 0) return -1;
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); close(pidfd); return -1; }
    // every cgroup of the container, or no exec: a process outside its pids
    // or memory (or device) cgroup would escape the container's limits
    int console[2], ncg;
    if (prepare_parent(p, console, &ncg, 1, err, errlen) < 0) { close(pidfd); close(errp[0]); close(errp[1]); return -1; }
    // the PID and time namespaces apply to children: join them here, then fork
    if (setns(pidfd, CLONE_NEWPID | CLONE_NEWTIME) < 0 && (errno != EINVAL || setns(pidfd, CLONE_NEWPID) < 0)) {
        snprintf(err, errlen, "join the container's pid namespace: %s", strerror(errno));
        close(pidfd); close(errp[0]); close(errp[1]);
        for (int j = 0; j < ncg; j++) close(p->cgroup_fds[j]);
        if (console[0] >= 0) { close(console[0]); close(console[1]); }
        return -1;
    }
    pid_t r = fork();
    if (r < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
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
    return collect_report(errp[0], r, exit_code, err, errlen);
}
