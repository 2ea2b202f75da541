// hive-exec-stub: the last exec of every container process (CVE-2019-5736).
//
// Until it execs the container's command, a launched child is a clone of a
// host binary (hive, or hive-monitor). If the command is a `#!/proc/self/exe`
// script, or an ELF whose interpreter is /proc/self/exe, the kernel resolves
// that link at exec time, so the host binary would run inside the container,
// where a resident process could hold /proc/PID/exe and rewrite the host file.
// So become() (CHiveLaunch/become.c) does not exec the command itself: it
// execs this stub from a sealed memfd, and the stub execs the command. When
// the command's exec resolves /proc/self/exe it finds this sealed, private,
// in-memory copy, never a host file.
//
// No libc: raw x86_64 syscalls, a few hundred bytes of code. Built by
// `make stub` into CHiveLaunch/exec_stub.h (the bytes become.c embeds);
// Tests/system/132-launcher.bats checks the header matches this source.
//
// argv: [HIVE_STUB_MAGIC, errfd, PATH, command, args...]; envp: the command's.
// A failure is reported over errfd as become() reports it (struct report),
// with the same messages and exit codes (127 not found, 126 cannot execute).
// Run any other way (as the interpreter of a script naming /proc/self/exe,
// say) it prints a line and exits 126.
#include <asm/unistd.h>
#include <asm-generic/errno.h>
#include <asm-generic/fcntl.h>
#include "report.h"

#define HIVE_STUB_MAGIC "hive-exec-stub"

static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

// gcc may emit calls to these even when freestanding
void *memset(void *d, int c, unsigned long n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}
void *memcpy(void *d, const void *s, unsigned long n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

static unsigned long len(const char *s) { unsigned long n = 0; while (s[n]) n++; return n; }
static int has_slash(const char *s) { for (; *s; s++) if (*s == '/') return 1; return 0; }
static __attribute__((noreturn)) void quit(int code) { for (;;) sys3(__NR_exit_group, code, 0, 0); }

// Reports "<cmd><why>" (errno, exit code) as become()'s fail_exec does, and exits.
static __attribute__((noreturn)) void fail_exec(int errfd, const char *cmd, const char *why, int err, int code) {
    struct report r;
    memset(&r, 0, sizeof r);
    unsigned long i = 0;
    for (; *cmd && i + 1 < sizeof r.step; cmd++) r.step[i++] = *cmd;
    for (; *why && i + 1 < sizeof r.step; why++) r.step[i++] = *why;
    r.err = err;
    r.exit_code = code;
    r.described = 1;
    sys3(__NR_write, errfd, (long)&r, sizeof r);
    quit(code);
}

static int streq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }

__attribute__((used)) void stub_main(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (argc < 4 || !streq(argv[0], HIVE_STUB_MAGIC)) {
        static const char msg[] = "hive: this is hive's exec stub, it runs nothing by itself\n";
        sys3(__NR_write, 2, (long)msg, sizeof msg - 1);
        quit(126);
    }
    int errfd = 0;
    for (const char *d = argv[1]; *d >= '0' && *d <= '9'; d++) errfd = errfd * 10 + (*d - '0');
    const char *path = argv[2];
    char **args = argv + 3;
    const char *cmd = args[0];
    // the error pipe must close when the command runs (hive waits for that)
    sys3(__NR_fcntl, errfd, F_SETFD, FD_CLOEXEC);

    if (has_slash(cmd)) {
        long e = -sys3(__NR_execve, (long)cmd, (long)args, (long)envp);
        fail_exec(errfd, cmd, e == ENOENT ? ": no such file or directory" : e == EACCES ? ": permission denied" : ": cannot execute",
                  (int)e, e == ENOENT ? 127 : 126);
    }
    if (!*path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    unsigned long clen = len(cmd);
    int saw_eacces = 0;
    char full[4096];
    while (*path) {
        const char *end = path;
        while (*end && *end != ':') end++;
        unsigned long n = (unsigned long)(end - path);
        if (n + clen + 2 < sizeof full) {
            memcpy(full, path, n);
            full[n] = '/';
            memcpy(full + n + 1, cmd, clen + 1);
            // a failed execve costs several times a failed access: skip missing names
            long a = sys3(__NR_access, (long)full, 0, 0);
            if (a == 0 || a != -ENOENT) {
                long e = -sys3(__NR_execve, (long)full, (long)args, (long)envp);
                if (e == EACCES) saw_eacces = 1;
            }
        }
        if (!*end) break;
        path = end + 1;
    }
    if (saw_eacces) fail_exec(errfd, cmd, ": permission denied", EACCES, 126);
    fail_exec(errfd, cmd, ": executable file not found in $PATH", ENOENT, 127);
}

__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall stub_main\n\thlt\n");
