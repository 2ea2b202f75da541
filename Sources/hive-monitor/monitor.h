// hive-monitor's parts (DESIGN.md "detach", "supervise"): main.c launches the
// container and runs one poll loop; each part below owns one concern and is
// called from that loop. One struct monitor per process, no threads.
//
//   main.c     set-up, launch (first and again), the poll loop, the exit file
//   log.c      the container's output into its log (json-file, rotation, driver)
//   attach.c   the attach socket: output to attached clients, their input to stdin
//   health.c   health checks through the exec path, their results, status changes
//   restart.c  after an exit: `hive container cleanup`, the restart policy's
//              backoff, and a relaunch through `hive container restart`
#ifndef HIVE_MONITOR_H
#define HIVE_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "hive_launch.h"
#include "hive_monitor_proto.h"

#define MONITOR_PATH_MAX 4200

struct monitor {
    struct hive_monitor_args args;
    struct hive_plan plan;
    int plan_read;                // DIR/plan as last read (monitor_reload_plan)
    ino_t plan_ino;
    struct timespec plan_mtime;
    // The running container (pid 0 and pidfd -1 between runs).
    pid_t pid;
    int pidfd;
    // Its output: the read ends (-1 when closed); with a tty, out_fd is the
    // pty master and err_fd is -1.
    int out_fd, err_fd;
    // Its input: the write end of its stdin pipe, or the pty master with a
    // tty; -1 when the container has no stdin (not -i: args.interactive 0).
    // attach.c writes to it.
    int in_fd;
    // Set by SIGTERM/SIGINT to the monitor (`stop`, `rm -f` during a restart
    // backoff): no further restart.
    volatile int terminate;
    int terminate_sent;           // the running container was killed for it
};

// main.c
// Launches m->plan (again): fresh stdio pipes (or pty), pid, pidfd. 0, or
// -1 with the launch's exit code in *code and why in err.
int monitor_launch(struct monitor *m, int *code, char *err, size_t errlen);
// Reads DIR/plan again if it changed since (`hive update` adds cgroups to
// it): relaunches and health checks get what `hive exec` gets. 0, or -1.
int monitor_reload_plan(struct monitor *m);
long long monitor_now_ns(void);   // CLOCK_REALTIME
long long monitor_mono_ms(void);  // CLOCK_MONOTONIC, milliseconds
// Runs `HIVE --root ROOT --runroot RUNROOT container TAIL...` (tail
// NULL-terminated, at most 13 words) with reply_fd as its fd 3 (-1: none),
// the monitor's signal dispositions and mask back to the defaults; not
// waited for. Its pid, or -1.
pid_t monitor_run_hive(struct monitor *m, int reply_fd, const char *const tail[]);

// log.c
void log_setup(struct monitor *m);
// One chunk of the container's output (stream 1 stdout, 2 stderr), as read;
// log.c splits it into records.
void log_output(struct monitor *m, int stream, const char *data, size_t n);
// End of a run's output: flush partial lines.
void log_flush(struct monitor *m);
void log_close(struct monitor *m);

// attach.c
void attach_setup(struct monitor *m);
// The starting command's connection (FLAGS a): attached as the first client,
// after the launch (its HELLO tells whether stdin is open), before any output.
void attach_adopt(struct monitor *m, int fd);
// 1 while the starting client's backlog is long: the container's output is
// not read until it drains.
int attach_output_held(struct monitor *m);
// Adds its fds to fds[0..cap): how many.
int attach_pollfds(struct monitor *m, struct pollfd *fds, int cap);
// Handles the revents of the fds it added (the same n, in the same order).
void attach_handle(struct monitor *m, struct pollfd *fds, int n);
// The container's output, as read (before the log sees it).
void attach_output(struct monitor *m, int stream, const char *data, size_t n);
// The container exited (its output drained): end attached sessions.
void attach_container_exited(struct monitor *m, int status);
void attach_close(struct monitor *m);

// health.c
void health_setup(struct monitor *m);
void health_container_started(struct monitor *m);
void health_container_exited(struct monitor *m);
// Milliseconds until it next needs to run (-1: not waiting on time).
int health_timeout_ms(struct monitor *m);
int health_pollfds(struct monitor *m, struct pollfd *fds, int cap);
void health_handle(struct monitor *m, struct pollfd *fds, int n);
// Called every loop iteration (after poll): starts a due check, times one out.
void health_tick(struct monitor *m);

// restart.c
// After the container exited (the exit file is written): runs the engine's
// cleanup and, under a restart policy, waits its backoff and relaunches.
// 1: the container runs again (m->pid set); 0: the monitor is done (it then
// exits).
int restart_after_exit(struct monitor *m);

#endif
