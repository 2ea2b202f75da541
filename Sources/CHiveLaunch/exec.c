// `hive exec`: a process joins a running container.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch_internal.h"
#include <sched.h>

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
    return collect_report(errp[0], r, exit_code, err, errlen);
}
