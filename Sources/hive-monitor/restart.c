// After the container exited: the engine's cleanup (`hive container cleanup
// ID`: record the exit, on-exit/on-stop, --rm) and, under a restart policy,
// Docker's backoff and a relaunch. (Issue #14: the policy is to build; today
// the cleanup is exec'd and the monitor ends.)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <unistd.h>
#include "monitor.h"

int restart_after_exit(struct monitor *m, int status) {
    (void)status;
    attach_close(m);
    log_close(m);
    const struct hive_monitor_args *a = &m->args;
    execl(a->hive, "hive", "--root", a->root, "--runroot", a->runroot, "container", "cleanup", a->id, (char *)NULL);
    return 0;
}
