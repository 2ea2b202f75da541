// hive-init: the tiny init of `hive run --init` (bind-mounted at /dev/init,
// linked statically so any image can run it). As PID 1 it starts the
// command, forwards termination signals to it, reaps every orphan, and exits
// with the command's status (128+signal when it was killed).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig) {
    if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
    if (first >= argc) {
        fprintf(stderr, "hive-init: no command\n");
        return 125;
    }
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = forward;
        sigaction(sigs[i], &sa, NULL);
    }
    child = fork();
    if (child < 0) { perror("hive-init: fork"); return 125; }
    if (child == 0) {
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        execvp(argv[first], argv + first);
        fprintf(stderr, "hive-init: %s: %s\n", argv[first], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    int code = 0;
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, 0);
        if (p < 0) {
            if (errno == EINTR) continue;
            break;  // no children left
        }
        if (p == child) {
            code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            child = 0;
            // reap whatever else is left without blocking, then leave
            while (waitpid(-1, &st, WNOHANG) > 0) {}
            break;
        }
    }
    return code;
}
