// After the container exited: the engine's cleanup (`hive container cleanup
// ID`: record the exit, on-exit/on-stop, --rm) answers whether its restart
// policy restarts it ("R<delay_ms>" on fd 3, hive_monitor_proto.h); if so the
// monitor waits out that backoff and relaunches it through `hive container
// restart-run ID` (pre-start hooks, the network, then "L": launch). The engine
// decides (Docker's rules, Engine+Restart.swift); the monitor only waits and
// launches. SIGTERM/SIGINT (`stop`, `kill`, `rm -f` of a restarting container)
// end the policy.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "monitor.h"

// How long before the backoff ends the relaunching `hive` is started.
#define RESTART_LEAD_MS 50

static void reap(pid_t pid) {
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
}

// The engine's cleanup; the backoff before a restart in ms, or -1 (none).
static long long cleanup(struct monitor *m) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    pid_t pid = monitor_run_hive(m, p[1], (const char *const[]){ "cleanup", m->args.id, NULL });
    close(p[1]);
    long long delay = -1;
    if (pid > 0) {
        char line[64];
        ssize_t n = hive_monitor_read_line(p[0], line, sizeof line);
        if (n > 0 && hive_monitor_parse_restart(line, (size_t)n, &delay) < 0) delay = -1;
        reap(pid);
    }
    close(p[0]);
    return delay;
}

// Waits until `end` (CLOCK_MONOTONIC ms) unless SIGTERM/SIGINT ends it: 1 if it ran out.
static int backoff(struct monitor *m, long long end) {
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    for (;;) {
        if (m->terminate) break;
        long long left = end - monitor_mono_ms();
        if (left <= 0) break;
        struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000L };
        ppoll(NULL, 0, &ts, &orig);  // the signals are let in only while it sleeps
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return !m->terminate;
}

// `hive container restart-run`, started up to RESTART_LEAD_MS before the
// backoff ends (`end`, CLOCK_MONOTONIC ms): its start-up, pre-start hooks and
// network attach overlap the wait, and its "L" is acted on when the backoff
// is over, so an exit is followed by a running process again after the
// backoff plus the launch alone. 1 the container runs again; 0 the policy
// ended (the engine said no, or the monitor is told to stop); -1 the launch
// failed with *code (it counts as an exit with that status).
static int relaunch(struct monitor *m, long long end, int *code) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return 0;
    pid_t pid = monitor_run_hive(m, sv[1], (const char *const[]){ "restart-run", m->args.id, NULL });
    close(sv[1]);
    if (pid < 0) { close(sv[0]); return 0; }
    int rc = 0;
    char line[16];
    ssize_t n = hive_monitor_read_line(sv[0], line, sizeof line);
    if (n == (ssize_t)strlen(HIVE_MONITOR_LAUNCH_LINE) && memcmp(line, HIVE_MONITOR_LAUNCH_LINE, (size_t)n) == 0) {
        char err[512];
        backoff(m, end);
        // a stop arriving from here on finds either no container (the
        // check below) or a running one it is signalled to (after the launch)
        sigset_t block, orig;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigprocmask(SIG_BLOCK, &block, &orig);
        monitor_reload_plan(m);  // `hive update` may have added cgroups
        if (m->terminate) {
            hive_monitor_report_failed(sv[0], 125, "the container is being stopped");
        } else if (monitor_launch(m, code, err, sizeof err) == 0) {
            hive_monitor_report_started(sv[0], m->pid);
            rc = 1;
        } else {
            hive_monitor_report_failed(sv[0], *code, err);
            rc = -1;
        }
        sigprocmask(SIG_SETMASK, &orig, NULL);  // a stop now: supervise() ends the container
    }
    shutdown(sv[0], SHUT_WR);
    reap(pid);
    close(sv[0]);
    return rc;
}

int restart_after_exit(struct monitor *m) {
    for (;;) {
        // the backoff counts from the exit: the cleanup's own time is part of it
        long long exited = monitor_mono_ms();
        long long delay = cleanup(m);
        if (delay < 0 || !backoff(m, exited + delay - RESTART_LEAD_MS)) return 0;
        int code = 125;
        int r = relaunch(m, exited + delay, &code);
        if (r >= 0) return r;
        // a launch that failed is an exit with its status: the policy goes on
        hive_monitor_write_exit(m->args.dir, code, monitor_now_ns());
    }
}
