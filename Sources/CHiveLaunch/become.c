// The last steps before execve, shared by a container's init and by exec:
// session, pty, stdio, rlimits, identity, capabilities, no_new_privs, cwd,
// seccomp, then the command, through the sealed exec stub.
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
#include <sys/mman.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#if defined(__x86_64__)
#include "exec_stub.h"
#define HIVE_EXEC_STUB 1

// CVE-2019-5736: this process is a clone of a host binary (hive or
// hive-monitor). If it exec'd the command itself, a command that is a
// `#!/proc/self/exe` script (or an ELF whose interpreter is /proc/self/exe)
// would run that host binary inside the container, where a resident process
// can hold /proc/PID/exe and rewrite the host file once it is no longer busy.
// So the command is exec'd by a tiny stub (Sources/hive-exec-stub/stub.c)
// that this process execs from a sealed memfd: whatever /proc/self/exe means
// when the command's exec resolves it, it is this private, unwritable copy.
// Each launch gets its own copy (memfd_create, write, seal: ~30 us on these
// busy machines) before seccomp applies; the stub's exec adds ~0.1 ms.
static int stub_memfd(void) {
    int fd = (int)syscall(SYS_memfd_create, "hive-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)  // before 6.3: no MFD_EXEC (and no vm.memfd_noexec)
        fd = (int)syscall(SYS_memfd_create, "hive-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < sizeof hive_exec_stub) {
        ssize_t w = write(fd, hive_exec_stub + off, sizeof hive_exec_stub - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        off += (size_t)w;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) { close(fd); return -1; }
    return fd;
}
#endif

// Everything from rlimits to execve: shared by a new container's init and by
// a process `hive exec` starts inside a running container.
void become(const struct hive_plan *p, int errfd) {
    // ---- a session of its own, as runc does: the CLI's terminal is never the
    // controlling terminal of a container process (no TIOCSTI into the
    // user's shell, no /dev/tty), with -t or without
    if (setsid() < 0) fail(errfd, "setsid", "", errno, 125);
#ifdef HIVE_EXEC_STUB
    int stub = stub_memfd();
    if (stub < 0) fail(errfd, "create the exec stub (memfd)", "", errno, 125);
#endif

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
        if (send_fd(p->console_fd, master) < 0) fail(errfd, "send pty master", "", errno, 125);
        close(master);
        close(p->console_fd);
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

#ifdef HIVE_EXEC_STUB
    // ---- the command, through the stub: [magic, errfd, PATH, argv...]; the
    // error pipe stays open across this exec (the stub reports on it and
    // closes it when the command runs), the memfd does not
    size_t argc = 0;
    while (p->argv[argc]) argc++;
    const char *sargv[argc + 4];
    char fdnum[16];
    int n = 0;
    for (int v = errfd; n == 0 || v > 0; v /= 10) fdnum[n++] = (char)('0' + v % 10);
    for (int i = 0; i < n / 2; i++) { char t = fdnum[i]; fdnum[i] = fdnum[n - 1 - i]; fdnum[n - 1 - i] = t; }
    fdnum[n] = 0;
    sargv[0] = "hive-exec-stub";
    sargv[1] = fdnum;
    sargv[2] = p->search_path ? p->search_path : "";
    for (size_t i = 0; i <= argc; i++) sargv[3 + i] = p->argv[i];
    if (fcntl(errfd, F_SETFD, 0) < 0) fail(errfd, "keep the error pipe for the exec stub", "", errno, 125);
    syscall(SYS_execveat, stub, "", (char *const *)sargv, (char *const *)p->envp, AT_EMPTY_PATH);
    if (errno == ENOSYS || errno == EPERM) {  // a seccomp profile without execveat: the same file by path
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", stub);
        execve(self, (char *const *)sargv, (char *const *)p->envp);
    }
    fcntl(errfd, F_SETFD, FD_CLOEXEC);
    fail(errfd, "exec hive's exec stub", "", errno, 126);
#else
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
#endif
}
