// The foreground run's stdio (hive_log_writer.h hive_foreground_run): one
// poll loop over the container's output (pipes, or the pty master with -t),
// this terminal's input (-t) and a pidfd on the container; output is copied
// to the terminal for the attached streams and written to the json-file log.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include "hive_log_writer.h"
#include "launch_internal.h"

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch = 1; }

// Reads what is there of one stream (non-blocking): to the terminal if
// attached, to the log. At its end (or EIO, a pty whose other side is gone)
// the fd is closed and set to -1.
static void pump(struct hive_foreground *f, int *fd, int stream) {
    char buf[16384];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            // a terminal that is gone (write_all fails): the log still gets it
            if (stream == 1 ? f->attach_out : f->attach_err) (void)write_all(stream, buf, (size_t)n);
            if (f->log) hive_log_write(f->log, stream, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        close(*fd);
        *fd = -1;
        return;
    }
}

// After a detach: a child of this process holds the terminal's master and
// discards what the process writes until it exits (the master closing would
// hang the terminal up and end it).
static void keep_terminal(int master) {
    // this process may be a session leader about to exit (its terminal's
    // foreground group then gets SIGHUP): wait until the keeper has left the session
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) ready[0] = ready[1] = -1;
    pid_t k = fork();
    if (k == 0) {
        signal(SIGHUP, SIG_IGN);
        setsid();
        if (ready[1] >= 0) { close(ready[0]); close(ready[1]); }
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
        fcntl(master, F_SETFL, 0);
        char b[4096];
        for (;;) {
            ssize_t n = read(master, b, sizeof b);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(0);
        }
    }
    if (ready[1] >= 0) {
        close(ready[1]);
        char b;
        if (k > 0) while (read(ready[0], &b, 1) < 0 && errno == EINTR) {}
        close(ready[0]);
    }
    close(master);
}

int hive_foreground_run(struct hive_foreground *f) { return hive_foreground_run_keys(f, NULL, 0, NULL); }

int hive_foreground_run_keys(struct hive_foreground *f, const unsigned char *keys, size_t nkeys, int *was_detached) {
    struct termios saved;
    int raw = 0;
    if (f->tty && f->attach_in && isatty(0) && tcgetattr(0, &saved) == 0) {
        raw = 1;
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
    }
    if (f->tty) {
        struct winsize ws;
        if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(f->out_fd, TIOCSWINSZ, &ws);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_winch;
        sigaction(SIGWINCH, &sa, NULL);
    }
    int master = f->tty ? f->out_fd : -1;
    fcntl(f->out_fd, F_SETFL, O_NONBLOCK);
    if (f->err_fd >= 0) fcntl(f->err_fd, F_SETFL, O_NONBLOCK);
    int pidfd = (int)syscall(SYS_pidfd_open, f->pid, 0);
    int in_open = f->tty && f->attach_in;
    char buf[8192];
    unsigned char typed[sizeof buf + 32];  // room for a held-back partial detach sequence
    size_t matched = 0;
    int detached = 0;
    while (f->out_fd >= 0 || f->err_fd >= 0) {
        if (winch) {
            winch = 0;
            struct winsize ws;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0 && f->out_fd >= 0) ioctl(f->out_fd, TIOCSWINSZ, &ws);
        }
        struct pollfd fds[4] = {
            { f->out_fd, POLLIN, 0 }, { f->err_fd, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 }, { pidfd, POLLIN, 0 },
        };
        int r = poll(fds, 4, -1);
        if (r < 0) { if (errno == EINTR) continue; break; }
        if (f->out_fd >= 0 && fds[0].revents) pump(f, &f->out_fd, 1);
        if (f->err_fd >= 0 && fds[1].revents) pump(f, &f->err_fd, 2);
        if (in_open && (fds[2].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n <= 0) in_open = 0;
            else if (nkeys > 0) {
                size_t o = detach_scan(keys, nkeys, (const unsigned char *)buf, (size_t)n, typed, &matched, &detached);
                if (f->out_fd >= 0) (void)write_all(master, typed, o);
                if (detached) break;
            } else if (f->out_fd >= 0) (void)write_all(master, buf, (size_t)n);  // non-blocking: waited out
        }
        if (fds[3].revents & POLLIN) {
            // it exited: what it wrote is in the pipes now; a process it left
            // behind holding them open does not keep the run waiting
            if (f->out_fd >= 0) pump(f, &f->out_fd, 1);
            if (f->err_fd >= 0) pump(f, &f->err_fd, 2);
            break;
        }
    }
    if (raw) tcsetattr(0, TCSANOW, &saved);
    if (was_detached) *was_detached = detached;
    if (detached) {
        f->out_fd = f->err_fd = -1;
        keep_terminal(master);
        if (pidfd >= 0) close(pidfd);
        return 0;
    }
    if (f->out_fd >= 0) close(f->out_fd);
    if (f->err_fd >= 0) close(f->err_fd);
    f->out_fd = f->err_fd = -1;
    if (pidfd >= 0) close(pidfd);
    if (f->log) hive_log_flush(f->log);
    return hive_wait_exit(f->pid);
}
