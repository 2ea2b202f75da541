// Health checks (the image's HEALTHCHECK, --health-*), run by the monitor as
// Docker's daemon runs them (moby daemon/health.go):
//
//   DIR/healthcheck  what hive resolved (HiveRuntime's HealthFile), written
//                    before the monitor starts, only for a container with a
//                    check: "INTERVAL TIMEOUT START_PERIOD START_INTERVAL
//                    RETRIES ACTION\n" (nanoseconds; ACTION: --health-on-failure),
//                    then argv, each NUL-terminated
//   DIR/health       Docker's State.Health JSON, Status first, written
//                    atomically (DIR/health.tmp, rename) after each check
//
// Each check goes through the exec path (CHiveLaunch's hive_exec with the
// container's own plan: its namespaces, cgroups, user, capabilities, seccomp),
// stdout and stderr into one pipe of which the first 4096 bytes are kept; the
// check's pidfd and pipe sit in the monitor's one poll loop; past its timeout
// it is killed. A status change (starting -> healthy/unhealthy and back)
// runs `HIVE container health-event ID STATUS PREVIOUS`, reaped later, never
// waited for: the event log, the on-health hook, --health-on-failure.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hive_log_writer.h"
#include "monitor.h"

#define HEALTH_CONFIG_MAX 65536
#define HEALTH_OUTPUT_MAX 4096   // Docker's maxOutputLen
#define HEALTH_LOG_MAX 5         // Docker's maxLogEntries
#define HEALTH_ARGV_MAX 256

struct health_result {
    long long start_ns, end_ns;
    int exit_code;
    size_t len;
    char output[HEALTH_OUTPUT_MAX];
};

static struct {
    int enabled;
    long long interval_ms, start_period_ms, start_interval_ms;
    long long timeout_ns;
    int retries;
    int acts;                             // --health-on-failure other than none: no checks once unhealthy
    char *config;                         // the file's bytes; argv points into it
    const char *argv[HEALTH_ARGV_MAX + 1];
    const char *status;                   // "starting", "healthy", "unhealthy"
    int failing_streak;
    struct health_result log[HEALTH_LOG_MAX];
    int nlog;
    long long started_ms;                 // the container's current run
    long long next_ms;                    // the next check is due (0: no run)
    // the running check (pid 0: none)
    pid_t pid;
    int pidfd, out_fd;
    long long start_ms, deadline_ms;      // CLOCK_MONOTONIC
    struct health_result cur;
    pid_t event;                          // the health-event child running (0: none)
    const char *pending_previous;         // a change waiting for it to end (NULL: none)
} hc = { .pid = 0, .pidfd = -1, .out_fd = -1 };

// Reads and parses DIR/healthcheck: 0, or -1 (no check, or a malformed file).
static int read_config(const char *dir) {
    char path[MONITOR_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/healthcheck", dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < HEALTH_CONFIG_MAX ? (size_t)st.st_size : HEALTH_CONFIG_MAX;
    hc.config = malloc(cap + 1);
    size_t n = 0;
    while (hc.config && n < cap) {
        ssize_t r = read(fd, hc.config + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (!hc.config) return -1;
    hc.config[n] = 0;
    char *nl = memchr(hc.config, '\n', n);
    if (!nl) return -1;
    *nl = 0;
    long long v[5];
    char action[16] = "none";
    if (sscanf(hc.config, "%lld %lld %lld %lld %lld %15s", &v[0], &v[1], &v[2], &v[3], &v[4], action) < 5) return -1;
    hc.acts = strcmp(action, "none") != 0;
    if (v[0] < 1000000 || v[1] < 1000000 || v[2] < 0 || v[3] < 1000000 || v[4] < 1) return -1;
    hc.interval_ms = v[0] / 1000000;
    hc.timeout_ns = v[1];
    hc.start_period_ms = v[2] / 1000000;
    hc.start_interval_ms = v[3] / 1000000;
    hc.retries = v[4] > 1000000 ? 1000000 : (int)v[4];
    int argc = 0;
    for (char *p = nl + 1; p < hc.config + n && argc < HEALTH_ARGV_MAX; p += strlen(p) + 1) hc.argv[argc++] = p;
    hc.argv[argc] = NULL;
    return argc > 0 ? 0 : -1;
}

void health_setup(struct monitor *m) {
    if (read_config(m->args.dir) < 0) { free(hc.config); hc.config = NULL; return; }
    hc.enabled = 1;
    hc.status = "starting";
}

// ---- the state file

// UTF-8 as is; anything else (a cut or hostile sequence) as U+FFFD, as Go's encoder does
static void json_string(FILE *f, const char *s, size_t n) {
    char buf[HEALTH_OUTPUT_MAX * 6];
    if (n > HEALTH_OUTPUT_MAX) n = HEALTH_OUTPUT_MAX;
    fputc('"', f);
    fwrite(buf, 1, hive_json_escape(buf, s, n, 1), f);
    fputc('"', f);
}

static void json_time(FILE *f, long long ns) {
    char buf[64];
    hive_rfc3339(buf, sizeof buf, ns);
    fprintf(f, "\"%s\"", buf);
}

static void write_state(struct monitor *m) {
    char tmp[MONITOR_PATH_MAX + 32], path[MONITOR_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s/health.tmp", m->args.dir);
    snprintf(path, sizeof path, "%s/health", m->args.dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    if (!f) { close(fd); return; }
    fprintf(f, "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[", hc.status, hc.failing_streak);
    for (int i = 0; i < hc.nlog; i++) {
        const struct health_result *r = &hc.log[i];
        fputs(i ? ",{\"Start\":" : "{\"Start\":", f);
        json_time(f, r->start_ns);
        fputs(",\"End\":", f);
        json_time(f, r->end_ns);
        fprintf(f, ",\"ExitCode\":%d,\"Output\":", r->exit_code);
        json_string(f, r->output, r->len);
        fputc('}', f);
    }
    fputs("]}\n", f);
    if (fclose(f) == 0) rename(tmp, path);
    else unlink(tmp);
}

// ---- status changes: the engine's callback, not waited for

// One `health-event` child at a time: a change while one runs waits and is
// reported when it ends (the latest status, the one before the first
// unreported change), so a check flapping every millisecond costs at most one
// hive process at a time, never a pile of them.
static void spawn_event(struct monitor *m, const char *status, const char *previous) {
    char run[24];  // the run the status is of: the engine acts on that run only
    snprintf(run, sizeof run, "%d", (int)m->pid);
    pid_t pid = monitor_run_hive(m, -1, (const char *const[]){ "health-event", m->args.id, status, previous, run, NULL });
    hc.event = pid > 0 ? pid : 0;
}

// Reaps the running health-event child if it ended (`wait`: until it does),
// then sends what waited meanwhile.
static void reap_events(struct monitor *m, int wait) {
    if (hc.event > 0 && waitpid(hc.event, NULL, wait ? 0 : WNOHANG) != 0) hc.event = 0;
    if (hc.event == 0 && hc.pending_previous) {
        const char *previous = hc.pending_previous;
        hc.pending_previous = NULL;
        if (previous != hc.status) spawn_event(m, hc.status, previous);
    }
}

static void report_change(struct monitor *m, const char *previous) {
    reap_events(m, 0);
    if (hc.event > 0) {
        if (!hc.pending_previous) hc.pending_previous = previous;
        return;
    }
    spawn_event(m, hc.status, previous);
}

// ---- one check

// The check's output so far (the first HEALTH_OUTPUT_MAX bytes kept, the rest read and dropped).
static void drain(void) {
    char buf[4096];
    // a few reads per call, as pump() does: writers that never let the pipe
    // run dry cannot keep the loop here
    for (int reads = 0; reads < 16; reads++) {
        ssize_t r = read(hc.out_fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        size_t take = (size_t)r;
        if (take > HEALTH_OUTPUT_MAX - hc.cur.len) take = HEALTH_OUTPUT_MAX - hc.cur.len;
        memcpy(hc.cur.output + hc.cur.len, buf, take);
        hc.cur.len += take;
    }
}

static long long next_delay_ms(void) {
    int in_start = strcmp(hc.status, "starting") == 0 && monitor_mono_ms() - hc.started_ms < hc.start_period_ms;
    return in_start ? hc.start_interval_ms : hc.interval_ms;
}

// Docker's handleProbeResult: a success makes it healthy; a failure counts
// (unless it is still starting within the start period) and `retries` of them
// in a row make it unhealthy.
static void finish(struct monitor *m, int exit_code) {
    hc.cur.end_ns = monitor_now_ns();
    hc.cur.exit_code = exit_code;
    const char *previous = hc.status;
    if (exit_code == 0) {
        hc.failing_streak = 0;
        hc.status = "healthy";
    } else if (!(strcmp(hc.status, "starting") == 0 && hc.start_ms - hc.started_ms < hc.start_period_ms)) {
        hc.failing_streak++;
        if (hc.failing_streak >= hc.retries) hc.status = "unhealthy";
    }
    if (hc.nlog == HEALTH_LOG_MAX) {
        memmove(&hc.log[0], &hc.log[1], sizeof hc.log[0] * (HEALTH_LOG_MAX - 1));
        hc.nlog--;
    }
    hc.log[hc.nlog++] = hc.cur;
    write_state(m);
    if (previous != hc.status) report_change(m, previous);
    // the engine's action takes the container down: no further check in this run
    hc.next_ms = hc.acts && previous != hc.status && strcmp(hc.status, "unhealthy") == 0 ? 0 : monitor_mono_ms() + next_delay_ms();
}

static void end_check(void) {
    if (hc.pidfd >= 0) close(hc.pidfd);
    if (hc.out_fd >= 0) close(hc.out_fd);
    hc.pidfd = hc.out_fd = -1;
    hc.pid = 0;
}

static void start_check(struct monitor *m) {
    memset(&hc.cur, 0, sizeof hc.cur - sizeof hc.cur.output);
    hc.cur.start_ns = monitor_now_ns();
    hc.start_ms = monitor_mono_ms();
    int outp[2];
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (pipe2(outp, O_CLOEXEC) < 0) {
        if (devnull >= 0) close(devnull);
        hc.cur.len = (size_t)snprintf(hc.cur.output, sizeof hc.cur.output, "pipe: %s", strerror(errno));
        finish(m, -1);
        return;
    }
    monitor_reload_plan(m);  // `hive update` may have added cgroups
    struct hive_plan p = m->plan;
    p.argv = hc.argv;
    p.tty = 0;
    p.stdin_fd = devnull;
    p.stdout_fd = p.stderr_fd = outp[1];
    pid_t pid = 0;
    int code = 126;
    char err[512] = "";
    int rc = hive_exec(m->pid, 0, &p, &pid, &code, err, sizeof err);
    close(outp[1]);
    if (devnull >= 0) close(devnull);
    if (rc < 0) {
        close(outp[0]);
        hc.cur.len = (size_t)snprintf(hc.cur.output, sizeof hc.cur.output, "%s", err);
        if (hc.cur.len >= sizeof hc.cur.output) hc.cur.len = sizeof hc.cur.output - 1;
        finish(m, code);
        return;
    }
    hc.pid = pid;
    hc.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    hc.out_fd = outp[0];
    fcntl(hc.out_fd, F_SETFL, O_NONBLOCK);
    hc.deadline_ms = hc.start_ms + hc.timeout_ns / 1000000;
}

// The check's process ended: its status as a shell reports it.
static void collect(struct monitor *m, int status) {
    drain();
    end_check();
    finish(m, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void kill_check(void) {
    if (hc.pidfd >= 0) syscall(SYS_pidfd_send_signal, hc.pidfd, SIGKILL, NULL, 0);
    else kill(hc.pid, SIGKILL);
    kill(-hc.pid, SIGKILL);  // what it started (it leads its own session)
    while (waitpid(hc.pid, NULL, 0) < 0 && errno == EINTR) {}
}

// ---- the poll loop's calls

void health_container_started(struct monitor *m) {
    if (!hc.enabled) return;
    hc.status = "starting";
    hc.failing_streak = 0;
    hc.started_ms = monitor_mono_ms();
    hc.next_ms = hc.started_ms + next_delay_ms();
    write_state(m);
}

void health_container_exited(struct monitor *m) {
    (void)m;
    if (!hc.enabled) return;
    if (hc.pid > 0) { kill_check(); end_check(); }
    hc.next_ms = 0;
    reap_events(m, 0);
}

int health_timeout_ms(struct monitor *m) {
    (void)m;
    if (!hc.enabled || hc.next_ms == 0) return -1;
    long long at = hc.pid > 0 ? hc.deadline_ms : hc.next_ms;
    long long d = at - monitor_mono_ms();
    return d < 0 ? 0 : d > 3600000 ? 3600000 : (int)d;
}

int health_pollfds(struct monitor *m, struct pollfd *fds, int cap) {
    (void)m;
    if (hc.pid <= 0 || cap < 2) return 0;
    fds[0] = (struct pollfd){ hc.out_fd, POLLIN, 0 };
    fds[1] = (struct pollfd){ hc.pidfd, POLLIN, 0 };
    return 2;
}

void health_handle(struct monitor *m, struct pollfd *fds, int n) {
    if (n < 2 || hc.pid <= 0) return;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        drain();
        if (fds[0].revents & POLLHUP && !(fds[0].revents & POLLIN)) { close(hc.out_fd); hc.out_fd = -1; }
    }
    if (fds[1].revents & POLLIN) {
        int status = 0;
        if (waitpid(hc.pid, &status, WNOHANG) == hc.pid) collect(m, status);
    }
}

void health_tick(struct monitor *m) {
    if (!hc.enabled || hc.next_ms == 0 || m->pid <= 0) return;
    long long now = monitor_mono_ms();
    if (hc.pid > 0 && now >= hc.deadline_ms) {
        kill_check();
        drain();
        end_check();
        long long t = hc.timeout_ns;
        hc.cur.len = t % 1000000000LL == 0
            ? (size_t)snprintf(hc.cur.output, sizeof hc.cur.output, "Health check exceeded timeout (%llds)", t / 1000000000LL)
            : (size_t)snprintf(hc.cur.output, sizeof hc.cur.output, "Health check exceeded timeout (%lldms)", t / 1000000LL);
        finish(m, -1);
        return;
    }
    if (hc.pid == 0 && now >= hc.next_ms) {
        // not against a container that has just exited (its exit not reaped yet)
        struct pollfd exited = { m->pidfd, POLLIN, 0 };
        if (m->pidfd >= 0 && poll(&exited, 1, 0) > 0) return;
        start_check(m);
    }
    if (hc.pid == 0) reap_events(m, 0);
}
