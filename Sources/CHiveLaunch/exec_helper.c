// hive_exec from a multi-threaded process (the Engine API service): the
// kernel joins a time namespace only for a single-threaded caller, so the
// exec runs in a child of its own (a fork: one thread, C only from here),
// which reports over a socket: the process's pid (and its pty master, passed
// as SCM_RIGHTS), then its exit status once it ends; or the failure.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hive_launch.h"

static void report(int fd, const struct hive_exec_report *r, int pass) {
    struct iovec iov = { (void *)r, sizeof *r };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (pass >= 0) {
        memset(&u, 0, sizeof u);
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass, sizeof(int));
    }
    while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

int hive_exec_spawn(pid_t target, uint64_t target_start, const struct hive_plan *plan, pid_t *helper) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    pid_t h = fork();
    if (h < 0) { int e = errno; close(sv[0]); close(sv[1]); errno = e; return -1; }
    if (h == 0) {
        // only the report socket and the process's stdio stay: the caller's
        // other descriptors (a pipe's write end) would keep them from ending
        int keep[4] = { sv[1], plan->stdin_fd, plan->stdout_fd, plan->stderr_fd };
        for (int i = 1; i < 4; i++)
            for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--) { int t = keep[j]; keep[j] = keep[j - 1]; keep[j - 1] = t; }
        unsigned int next = 3;
        for (int i = 0; i < 4; i++) {
            if (keep[i] < (int)next) continue;
            if ((unsigned int)keep[i] > next) syscall(SYS_close_range, next, (unsigned int)keep[i] - 1, 0);
            next = (unsigned int)keep[i] + 1;
        }
        syscall(SYS_close_range, next, ~0U, 0);
        struct hive_exec_report r;
        memset(&r, 0, sizeof r);
        pid_t pid = 0;
        int code = 126;
        if (hive_exec(target, target_start, plan, &pid, &code, r.err, sizeof r.err) < 0) {
            r.kind = HIVE_EXEC_FAILED;
            r.value = code;
            report(sv[1], &r, -1);
            _exit(0);
        }
        int master = hive_last_pty_master();
        r.kind = HIVE_EXEC_STARTED;
        r.value = pid;
        report(sv[1], &r, master);
        if (master >= 0) close(master);
        r.kind = HIVE_EXEC_EXITED;
        r.value = hive_wait_exit(pid);
        report(sv[1], &r, -1);
        _exit(0);
    }
    close(sv[1]);
    *helper = h;
    return sv[0];
}

int hive_exec_read_report(int fd, struct hive_exec_report *r, int *passed) {
    struct iovec iov = { r, sizeof *r };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    *passed = -1;
    ssize_t n;
    while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof *r) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(passed, CMSG_DATA(c), sizeof(int));
    r->err[sizeof r->err - 1] = 0;
    return 0;
}

int hive_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = rows;
    ws.ws_col = cols;
    return ioctl(fd, TIOCSWINSZ, &ws);
}
