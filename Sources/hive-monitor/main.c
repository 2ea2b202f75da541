// hive-monitor: the tiny per-container supervisor of a detached container
// (DESIGN.md "detach"). It is a session leader that holds the container's
// stdio, writes its output to a JSON-lines log (Docker's json-file format),
// reaps it, records the exit status and time, and then runs
// `hive container cleanup ID`, which does the engine's exit handling.
//
// The log is bounded (Docker's json-file options, which hive applies by
// default): past MAX_SIZE bytes it rotates to log.1 ... log.(MAX_FILE-1), the
// oldest dropped; a line longer than 16 KiB becomes several records (the last
// without "\n", as Docker splits), so no stream makes a record unbounded.
//
// Its arguments, the status line it reports on fd 3, the exit file it writes
// and the cleanup it execs are hive's protocol with it: hive_monitor_proto.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hive_launch.h"
#include "hive_monitor_proto.h"

static int logfd = -1;
static char logpath[4200];
static long long log_max_size;  // 0: unbounded (hive_monitor_args)
static long log_max_file;
static long long log_size = 0;

static void log_open(int truncate) {
    logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0), 0600);
    struct stat st;
    log_size = logfd >= 0 && fstat(logfd, &st) == 0 ? (long long)st.st_size : 0;
}

// log -> log.1 -> ... -> log.(max_file-1), the oldest dropped; one file: start it again.
static void log_rotate(void) {
    if (logfd >= 0) close(logfd);
    char from[4300], to[4300];
    for (long i = log_max_file - 1; i >= 1; i--) {
        snprintf(to, sizeof to, "%s.%ld", logpath, i);
        if (i == 1) snprintf(from, sizeof from, "%s", logpath);
        else snprintf(from, sizeof from, "%s.%ld", logpath, i - 1);
        rename(from, to);  // a missing one: nothing to move
    }
    log_open(1);
}

static void now_rfc3339(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%09ldZ", ts.tv_nsec);
}

// Appends one JSON line per output line (a partial line is flushed as is).
static void log_line(const char *stream, const char *data, size_t n) {
    if (logfd < 0 || n == 0) return;
    char ts[64];
    now_rfc3339(ts, sizeof ts);
    size_t cap = n * 6 + 128;
    char *out = malloc(cap);
    if (!out) return;
    size_t o = 0;
    o += (size_t)snprintf(out, cap, "{\"log\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
        else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
        else if (c < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        else out[o++] = (char)c;
    }
    o += (size_t)snprintf(out + o, cap - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, ts);
    if (log_max_size > 0 && log_size > 0 && log_size + (long long)o > log_max_size) log_rotate();
    ssize_t w = logfd >= 0 ? write(logfd, out, o) : -1;
    if (w > 0) log_size += w;
    free(out);
}

struct stream { int fd; const char *name; char buf[16384]; size_t len; };

static void pump(struct stream *s, int final) {
    for (;;) {
        ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
        if (n > 0) {
            s->len += (size_t)n;
            size_t start = 0;
            for (size_t i = 0; i < s->len; i++) {
                if (s->buf[i] == '\n') { log_line(s->name, s->buf + start, i - start + 1); start = i + 1; }
            }
            memmove(s->buf, s->buf + start, s->len - start);
            s->len -= start;
            if (s->len == sizeof s->buf) { log_line(s->name, s->buf, s->len); s->len = 0; }
            continue;
        }
        if (n < 0 && errno == EIO) n = 0;  // a pty whose other side is gone: end of output
        if (n == 0 || (errno != EINTR)) {
            if (n == 0 || final) { if (s->len) log_line(s->name, s->buf, s->len); s->len = 0; }
            if (n == 0) { close(s->fd); s->fd = -1; }
            return;
        }
    }
}

int main(int argc, char **argv) {
    struct hive_monitor_args args;
    if (hive_monitor_parse_args(argc, argv, &args) < 0) {
        fprintf(stderr, "usage: hive-monitor ID DIR HIVE ROOT RUNROOT [MAX_SIZE MAX_FILE]\n");
        return 2;
    }
    log_max_size = args.log_max_size;
    log_max_file = args.log_max_file;
    const char *id = args.id, *dir = args.dir, *hive = args.hive, *root = args.root, *runroot = args.runroot;
    int status_fd = HIVE_MONITOR_STATUS_FD;
    char msg[HIVE_MONITOR_MESSAGE_MAX];
    setsid();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);

    char path[4200];
    struct hive_plan plan;
    snprintf(path, sizeof path, "%s/plan", dir);
    if (hive_plan_read(path, &plan) < 0) {
        snprintf(msg, sizeof msg, "cannot read the launch plan %s: %s", path, strerror(errno));
        hive_monitor_report_failed(status_fd, 125, msg);
        return 125;
    }
    snprintf(logpath, sizeof logpath, "%s/log", dir);
    log_open(0);
    int outp[2], errp[2];
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(msg, sizeof msg, "pipe: %s", strerror(errno));
        hive_monitor_report_failed(status_fd, 125, msg);
        return 125;
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    plan.stdin_fd = devnull;
    plan.stdout_fd = outp[1];
    plan.stderr_fd = errp[1];
    pid_t pid;
    int code;
    char err[512];
    if (hive_launch(&plan, &pid, &code, err, sizeof err) < 0) {
        hive_monitor_report_failed(status_fd, code, err);
        return code;
    }
    close(outp[1]);
    close(errp[1]);
    close(devnull);
    if (plan.tty) {
        // with -t the container's output comes through its terminal
        close(outp[0]);
        close(errp[0]);
        outp[0] = hive_last_pty_master();
        errp[0] = -1;
    }
    hive_monitor_report_started(status_fd, pid);
    close(status_fd);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }

    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct stream out = { outp[0], "stdout", {0}, 0 }, errs = { errp[0], "stderr", {0}, 0 };
    fcntl(out.fd, F_SETFL, O_NONBLOCK);
    if (errs.fd >= 0) fcntl(errs.fd, F_SETFL, O_NONBLOCK);
    int exited = 0, status = 0;
    while (!exited) {
        struct pollfd fds[3] = { { out.fd, POLLIN, 0 }, { errs.fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        int r = poll(fds, 3, pidfd < 0 ? 200 : -1);
        if (r < 0 && errno != EINTR) break;
        if (out.fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP))) pump(&out, 0);
        if (errs.fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) pump(&errs, 0);
        if (pidfd < 0 || (fds[2].revents & POLLIN)) {
            pid_t w = waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
            if (w == pid) exited = 1;
        }
    }
    if (out.fd >= 0) pump(&out, 1);
    if (errs.fd >= 0) pump(&errs, 1);
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    hive_monitor_write_exit(dir, exit_code, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    if (logfd >= 0) close(logfd);
    execl(hive, "hive", "--root", root, "--runroot", runroot, "container", "cleanup", id, (char *)NULL);
    return 0;
}
