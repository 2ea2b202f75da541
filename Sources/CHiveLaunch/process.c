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
#include "hive_log_writer.h"  // struct hive_foreground (hive_pty_proxy)
#include "hive_monitor_proto.h"
#include <spawn.h>

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
int hive_spawn_monitor(const char *path, const char *const *argv, int status_w, int attach, pid_t *pid) {
    // with an attach fd both move above 4 first: a dup2 onto fd 3 must not
    // replace the one meant for 4 (without one, nothing can be in the way)
    int s = attach >= 0 ? fcntl(status_w, F_DUPFD_CLOEXEC, 10) : status_w;
    int a = attach >= 0 ? fcntl(attach, F_DUPFD_CLOEXEC, 10) : -1;
    if (s < 0 || (attach >= 0 && a < 0)) {
        int e = errno;
        if (s >= 0 && s != status_w) close(s);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, s, HIVE_MONITOR_STATUS_FD);
    if (a >= 0) posix_spawn_file_actions_adddup2(&fa, a, HIVE_MONITOR_ATTACH_FD);
    extern char **environ;
    int r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (a >= 0) { close(s); close(a); }
    return r;
}

// The proxy of `start -a -t` and exec -t: the foreground loop without a log.
int hive_pty_proxy(int master, pid_t pid) { return hive_pty_proxy_keys(master, pid, NULL, 0, NULL); }

int hive_pty_proxy_keys(int master, pid_t pid, const unsigned char *keys, size_t nkeys, int *detached) {
    struct hive_foreground f = { .pid = pid, .out_fd = master, .err_fd = -1, .tty = 1,
                                 .attach_in = 1, .attach_out = 1, .attach_err = 1, .log = NULL };
    return hive_foreground_run_keys(&f, keys, nkeys, detached);
}
