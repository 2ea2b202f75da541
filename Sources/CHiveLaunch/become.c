// The last steps before execve, shared by a container's init and by exec:
// pty, stdio, rlimits, identity, capabilities, no_new_privs, cwd, seccomp.
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
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Everything from rlimits to execve: shared by a new container's init and by
// a process `hive exec` starts inside a running container.
void become(const struct hive_plan *p, int errfd) {
    struct rlimit rl = { p->nofile_soft, p->nofile_hard };
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) fail(errfd, "setrlimit(RLIMIT_NOFILE)", "", errno, 125);
    for (size_t i = 0; i < p->nrlimits; i++) {
        struct rlimit x = { p->rlimits[3 * i + 1], p->rlimits[3 * i + 2] };
        if (setrlimit((int)p->rlimits[3 * i], &x) < 0) fail(errfd, "setrlimit (--ulimit)", "", errno, 125);
    }

    // ---- a pseudo-terminal from the container's own devpts, its master sent to hive
    if (p->tty) {
        int master = early_master, slave = early_slave;
        if (master < 0) {  // exec: a new pty in the running container
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (master < 0) fail(errfd, "open /dev/ptmx", "", errno, 125);
            int unlock = 0, n = 0;
            if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) fail(errfd, "unlock pty", "", errno, 125);
            char slave_path[64];
            snprintf(slave_path, sizeof slave_path, "/dev/pts/%d", n);
            slave = open(slave_path, O_RDWR | O_NOCTTY);
            if (slave < 0) fail(errfd, "open ", slave_path, errno, 125);
        }
        char cbuf[CMSG_SPACE(sizeof(int))];
        memset(cbuf, 0, sizeof cbuf);
        char dummy = 'm';
        struct iovec iov = { &dummy, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(p->console_fd, &msg, 0) < 0) fail(errfd, "send pty master", "", errno, 125);
        close(master);
        close(p->console_fd);
        if (setsid() < 0 && errno != EPERM) fail(errfd, "setsid", "", errno, 125);
        if (ioctl(slave, TIOCSCTTY, 0) < 0) fail(errfd, "set controlling terminal", "", errno, 125);
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) fail(errfd, "dup2 pty", "", errno, 125);
        if (slave > 2) close(slave);
    }

    // ---- stdio, then every other fd closes on exec (the error pipe included)
    if (!p->tty && p->stdin_fd >= 0 && dup2(p->stdin_fd, 0) < 0) fail(errfd, "dup2 stdin", "", errno, 125);
    if (!p->tty && p->stdout_fd >= 0 && dup2(p->stdout_fd, 1) < 0) fail(errfd, "dup2 stdout", "", errno, 125);
    if (!p->tty && p->stderr_fd >= 0 && dup2(p->stderr_fd, 2) < 0) fail(errfd, "dup2 stderr", "", errno, 125);
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) fail(errfd, "close_range", "", errno, 125);

    // ---- identity and privileges
    for (int cap = 0; cap <= p->cap_last; cap++) {
        if (!(p->caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail(errfd, "drop bounding capability", "", errno, 125);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail(errfd, "clear ambient capabilities", "", errno, 125);
    if (setgroups(p->ngroups, p->groups) < 0) fail(errfd, "setgroups", "", errno, 125);
    if (setresgid(p->gid, p->gid, p->gid) < 0) fail(errfd, "setgid", "", errno, 125);
    if (!p->no_new_privs && p->seccomp) {
        // without no_new_privs, installing the filter needs CAP_SYS_ADMIN: do it while we have it
        struct sock_fprog prog = { (unsigned short)p->seccomp_len, (struct sock_filter *)p->seccomp };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) fail(errfd, "seccomp", "", errno, 125);
    }
    if (setresuid(p->uid, p->uid, p->uid) < 0) fail(errfd, "setuid", "", errno, 125);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (p->uid == 0) {
        data[0].effective = data[0].permitted = (uint32_t)p->caps;
        data[1].effective = data[1].permitted = (uint32_t)(p->caps >> 32);
    }
    if (syscall(SYS_capset, &hdr, data) < 0) fail(errfd, "capset", "", errno, 125);
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(errfd, "prctl(NO_NEW_PRIVS)", "", errno, 125);

    // ---- working directory: must resolve inside the new root
    if (chdir(p->cwd) < 0) fail(errfd, "chdir to working directory ", p->cwd, errno, 125);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/') fail(errfd, "working directory is outside the container: ", p->cwd, EPERM, 125);

    // ---- signals back to defaults, then seccomp last, then exec
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    if (p->no_new_privs && p->seccomp) {
        struct sock_fprog prog = { (unsigned short)p->seccomp_len, (struct sock_filter *)p->seccomp };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) fail(errfd, "seccomp", "", errno, 125);
    }

    const char *cmd = p->argv[0];
    int saw_eacces = 0;
    if (strchr(cmd, '/')) {
        execve(cmd, (char *const *)p->argv, (char *const *)p->envp);
        int e = errno;
        fail_exec(errfd, cmd, e == ENOENT ? ": no such file or directory" : e == EACCES ? ": permission denied" : ": cannot execute",
                  e, e == ENOENT ? 127 : 126);
    }
    const char *path = p->search_path && *p->search_path ? p->search_path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char full[4096];
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : slen(path);
        if (n + slen(cmd) + 2 < sizeof full) {
            memcpy(full, path, n);
            full[n] = '/';
            memcpy(full + n + 1, cmd, slen(cmd) + 1);
            // a failed execve costs several times a failed access: skip missing names
            if (access(full, F_OK) == 0 || errno != ENOENT) {
                execve(full, (char *const *)p->argv, (char *const *)p->envp);
                if (errno == EACCES) saw_eacces = 1;
            }
        }
        if (!end) break;
        path = end + 1;
    }
    if (saw_eacces) fail_exec(errfd, cmd, ": permission denied", EACCES, 126);
    fail_exec(errfd, cmd, ": executable file not found in $PATH", ENOENT, 127);
}
