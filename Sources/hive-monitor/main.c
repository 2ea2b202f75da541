// hive-monitor: the tiny per-container supervisor of a detached container
// (DESIGN.md "detach", "supervise"). It is a session leader that holds the
// container's stdio, writes its output to its log (log.c), serves attach
// clients (attach.c), runs health checks (health.c), reaps it, records the
// exit status and time, and then has the engine clean up and, under a restart
// policy, relaunches it (restart.c).
//
// Its arguments, the status line it reports on fd 3, the exit file it writes
// and the commands it runs are hive's protocol with it: hive_monitor_proto.h.
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
#include "monitor.h"

static struct monitor mon;

long long monitor_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long monitor_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_terminate(int sig) { (void)sig; mon.terminate = 1; }

pid_t monitor_run_hive(struct monitor *m, int reply_fd, const char *const tail[]) {
    const struct hive_monitor_args *a = &m->args;
    const char *argv[20] = { "hive", "--root", a->root, "--runroot", a->runroot, "container" };
    size_t n = 6;
    for (size_t i = 0; tail[i] && n < sizeof argv / sizeof argv[0] - 1; i++) argv[n++] = tail[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid != 0) return pid;
    // the child: async-signal-safe only
    if (reply_fd >= 0 && reply_fd != HIVE_MONITOR_REPLY_FD) {
        if (dup2(reply_fd, HIVE_MONITOR_REPLY_FD) < 0) _exit(127);
    } else if (reply_fd >= 0) {
        fcntl(reply_fd, F_SETFD, 0);
    }
    // the monitor's ignored and caught signals are not the engine's
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    const int sigs[] = { SIGPIPE, SIGHUP, SIGTERM, SIGINT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(a->hive, (char *const *)argv);
    _exit(127);
}

int monitor_launch(struct monitor *m, int *code, char *err, size_t errlen) {
    // with -t the container's stdio is its terminal (become.c ignores the
    // plan's stdio fds): no pipes, no /dev/null
    int tty = m->plan.tty;
    int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
    if (!tty && (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || (m->args.interactive && pipe2(inp, O_CLOEXEC) < 0))) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        *code = 125;
        for (int i = 0; i < 2; i++) { if (outp[i] >= 0) close(outp[i]); if (errp[i] >= 0) close(errp[i]); }
        return -1;
    }
    int devnull = tty || inp[0] >= 0 ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
    m->plan.stdin_fd = inp[0] >= 0 ? inp[0] : devnull;
    m->plan.stdout_fd = outp[1];
    m->plan.stderr_fd = errp[1];
    pid_t pid;
    int rc = hive_launch(&m->plan, &pid, code, err, errlen);
    if (outp[1] >= 0) close(outp[1]);
    if (errp[1] >= 0) close(errp[1]);
    if (devnull >= 0) close(devnull);
    if (inp[0] >= 0) close(inp[0]);
    if (rc < 0) {
        if (outp[0] >= 0) close(outp[0]);
        if (errp[0] >= 0) close(errp[0]);
        if (inp[1] >= 0) close(inp[1]);
        return -1;
    }
    if (m->in_fd >= 0 && m->in_fd != m->out_fd) close(m->in_fd);
    m->in_fd = inp[1];
    if (tty) {
        // the container's output (and input) is its terminal's master
        outp[0] = hive_last_pty_master();
        if (m->args.interactive) m->in_fd = outp[0];
    }
    m->out_fd = outp[0];
    m->err_fd = errp[0];
    // the container's stdin too: a container that does not read it never blocks the monitor (attach.c)
    if (m->in_fd >= 0) fcntl(m->in_fd, F_SETFL, fcntl(m->in_fd, F_GETFL) | O_NONBLOCK);
    fcntl(m->out_fd, F_SETFL, O_NONBLOCK);
    if (m->err_fd >= 0) fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
    m->pid = pid;
    m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

int monitor_reload_plan(struct monitor *m) {
    char path[MONITOR_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/plan", m->args.dir);
    struct stat st;
    if (stat(path, &st) < 0) return -1;
    if (m->plan_read && st.st_ino == m->plan_ino && st.st_mtim.tv_sec == m->plan_mtime.tv_sec &&
        st.st_mtim.tv_nsec == m->plan_mtime.tv_nsec)
        return 0;
    struct hive_plan p;
    if (hive_plan_read(path, &p) < 0) return -1;
    struct hive_plan old = m->plan;
    m->plan = p;
    if (m->plan_read) hive_plan_free(&old);  // nothing keeps pointers into it past a launch or a check
    m->plan_read = 1;
    m->plan_ino = st.st_ino;
    m->plan_mtime = st.st_mtim;
    return 0;
}

// Reads what is there of one output stream (all of it with `final`; else at
// most 16 reads, so a container that writes without pause never starves the
// rest of the poll loop: attach clients, health checks) and hands it to
// attach.c and log.c; closes it at its end.
static void pump(struct monitor *m, int *fd, int stream, int final) {
    char buf[16384];
    for (int reads = 0; final || reads < 16; reads++) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            attach_output(m, stream, buf, (size_t)n);
            log_output(m, stream, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EIO) n = 0;  // a pty whose other side is gone: end of output
        if (n == 0) {
            if (m->in_fd == *fd) m->in_fd = -1;
            close(*fd);
            *fd = -1;
        }
        return;
    }
}

// Runs the poll loop until the container exits: its status as a shell reports it.
static int supervise(struct monitor *m) {
    int status = 0;
    for (;;) {
        struct pollfd fds[64];
        int n = 0;
        // the starting client is behind: the output waits in its pipe (attach.c)
        int held = attach_output_held(m);
        fds[n++] = (struct pollfd){ held ? -1 : m->out_fd, POLLIN, 0 };
        fds[n++] = (struct pollfd){ held ? -1 : m->err_fd, POLLIN, 0 };
        fds[n++] = (struct pollfd){ m->pidfd, POLLIN, 0 };
        int a0 = n;
        int na = attach_pollfds(m, fds + n, 32);
        n += na;
        int h0 = n;
        int nh = health_pollfds(m, fds + n, (int)(sizeof fds / sizeof fds[0]) - n);
        n += nh;
        int timeout = health_timeout_ms(m);
        if (m->pidfd < 0 && (timeout < 0 || timeout > 200)) timeout = 200;
        int r = poll(fds, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) break;
        if (r > 0) {
            if (m->out_fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) pump(m, &m->out_fd, 1, 0);
            if (m->err_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) pump(m, &m->err_fd, 2, 0);
            attach_handle(m, fds + a0, na);
            health_handle(m, fds + h0, nh);
        }
        health_tick(m);
        // told to stop (`stop`/`rm -f` of a restarting container) just as it
        // was relaunched: the container goes, no restart follows (`stopping`)
        if (m->terminate && m->pid > 0 && !m->terminate_sent) {
            kill(m->pid, SIGKILL);
            m->terminate_sent = 1;
        }
        if (m->pidfd < 0 || (r > 0 && (fds[2].revents & POLLIN))) {
            pid_t w = waitpid(m->pid, &status, m->pidfd < 0 ? WNOHANG : 0);
            if (w == m->pid) break;
        }
    }
    if (m->out_fd >= 0) pump(m, &m->out_fd, 1, 1);
    if (m->err_fd >= 0) pump(m, &m->err_fd, 2, 1);
    log_flush(m);
    if (m->pidfd >= 0) close(m->pidfd);
    m->pidfd = -1;
    m->pid = 0;
    if (m->out_fd >= 0) { close(m->out_fd); if (m->in_fd == m->out_fd) m->in_fd = -1; m->out_fd = -1; }
    if (m->err_fd >= 0) { close(m->err_fd); m->err_fd = -1; }
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
}

int main(int argc, char **argv) {
    struct monitor *m = &mon;
    if (hive_monitor_parse_args(argc, argv, &m->args) < 0) {
        fprintf(stderr, "usage: hive-monitor ID DIR HIVE ROOT RUNROOT [MAX_SIZE MAX_FILE [FLAGS]]\n");
        return 2;
    }
    m->pidfd = m->out_fd = m->err_fd = m->in_fd = -1;
    int status_fd = HIVE_MONITOR_STATUS_FD;
    char msg[HIVE_MONITOR_MESSAGE_MAX];
    setsid();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_terminate;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (monitor_reload_plan(m) < 0) {
        snprintf(msg, sizeof msg, "cannot read the launch plan %s/plan: %s", m->args.dir, strerror(errno));
        hive_monitor_report_failed(status_fd, 125, msg);
        return 125;
    }
    // the starting command's attach connection (FLAGS a): never the container's
    int attach_fd = m->args.attached ? HIVE_MONITOR_ATTACH_FD : -1;
    if (attach_fd >= 0 && fcntl(attach_fd, F_SETFD, FD_CLOEXEC) < 0) attach_fd = -1;
    log_setup(m);
    attach_setup(m);
    health_setup(m);
    int code;
    char err[512];
    if (monitor_launch(m, &code, err, sizeof err) < 0) {
        hive_monitor_report_failed(status_fd, code, err);
        if (attach_fd >= 0) close(attach_fd);
        attach_close(m);
        return code;
    }
    // before its output is read: the client misses none of it
    if (attach_fd >= 0) attach_adopt(m, attach_fd);
    hive_monitor_report_started(status_fd, m->pid);
    close(status_fd);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }

    for (;;) {
        health_container_started(m);
        int exit_code = supervise(m);
        health_container_exited(m);
        attach_container_exited(m, exit_code);
        hive_monitor_write_exit(m->args.dir, exit_code, monitor_now_ns());
        if (!restart_after_exit(m)) break;
    }
    attach_close(m);
    log_close(m);
    return 0;
}
