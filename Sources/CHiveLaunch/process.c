// Around a running container: signal forwarding, waiting, the monitor's
// spawn, and the terminal proxy of -t.
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
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <termios.h>

// Foreground containers: the CLI forwards terminal and termination signals to
// the container's init while it waits.
static volatile pid_t forward_pid;
static void forward(int sig) { if (forward_pid > 0) kill(forward_pid, sig); }

void hive_forward_signals(pid_t pid) {
    forward_pid = pid;
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = forward;
        sa.sa_flags = SA_RESTART;
        sigaction(sigs[i], &sa, NULL);
    }
}

// Waits for `pid`; returns its exit status as a shell would (128+signal when killed).
int hive_wait_exit(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 125;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}

// Starts the monitor with the status pipe as its fd 3 and /dev/null as stdio.
int hive_spawn_monitor(const char *path, const char *const *argv, int status_w, pid_t *pid) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, status_w, 3);
    extern char **environ;
    int r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch = 1; }

int hive_pty_proxy(int master, pid_t pid) {
    struct termios saved;
    int raw = isatty(0) && tcgetattr(0, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    char buf[8192];
    int in_open = 1;
    for (;;) {
        if (winch) {
            winch = 0;
            struct winsize ws;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
        }
        struct pollfd fds[2] = { { master, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
        int r = poll(fds, 2, -1);
        if (r < 0) { if (errno == EINTR) continue; break; }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0) break;  // EIO: the container's side of the terminal is gone
            ssize_t off = 0;
            while (off < n) { ssize_t w = write(1, buf + off, (size_t)(n - off)); if (w <= 0) break; off += w; }
        }
        if (in_open && (fds[1].revents & (POLLIN | POLLHUP))) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n <= 0) { in_open = 0; continue; }
            ssize_t off = 0;
            while (off < n) { ssize_t w = write(master, buf + off, (size_t)(n - off)); if (w <= 0) break; off += w; }
        }
    }
    if (raw) tcsetattr(0, TCSANOW, &saved);
    close(master);
    return hive_wait_exit(pid);
}
