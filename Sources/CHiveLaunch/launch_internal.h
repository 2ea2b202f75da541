// Internal to CHiveLaunch: what launch.c, become.c, exec.c, copy*.c and
// process.c share. Nothing here is used after clone() but async-signal-safe code.
#ifndef HIVE_LAUNCH_INTERNAL_H
#define HIVE_LAUNCH_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hive_launch.h"
#include "report.h"  // what a failing child reports over its error pipe before exiting

// A failed step: "pivot_root: Invalid argument" (the errno is appended).
__attribute__((noreturn)) void fail(int fd, const char *step, const char *what, int err, int code);
// A command that cannot be run: the message is complete ("x: executable file not found in $PATH").
__attribute__((noreturn)) void fail_exec(int fd, const char *cmd, const char *why, int err, int code);
// Waits for the child's report: 0 once it has exec'd (the pipe closed), else -1 with err set.
// With timeout_ms >= 0, a child that has not exec'd by then is killed (-1, code 126).
int collect_report(int fd, pid_t pid, int timeout_ms, int *exit_code, char *err, size_t errlen);
// How long a process joining a running container (hive_exec) may take to exec.
#define HIVE_EXEC_START_TIMEOUT_MS 10000

size_t slen(const char *s);
// Writes all of buf: EINTR retried, EAGAIN (a non-blocking fd) waited out
// with poll for up to 1 s at a time; 0, or -1 (errno) when it cannot go on.
// Async-signal-safe.
int write_all(int fd, const void *buf, size_t n);
int open_in_root(int rootfd, const char *path, int flags);
int mkdir_in_root(int rootfd, const char *path);
int mount_on(int rootfd, const char *target, int want_dir, const char *src, const char *fstype,
             unsigned long flags, const void *data);
int copy_tree(int from, int to, int depth);
int readonly_tree(int rootfd, const char *target, int isdir, uint64_t attr);
int dir_is_empty(const char *path);
// Calls fn with each line of the file at `path` (NUL-terminated, without its
// newline) until fn returns non-zero; -1 if the file cannot be opened.
int read_lines(const char *path, int (*fn)(char *line, void *arg), void *arg);
// The start time (clock ticks after boot, /proc/PID/stat field 22) of `pid`;
// -1 if it is gone or a zombie.
long long proc_start_time(pid_t pid);

struct linux_dirent64 { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

// Everything from rlimits to execve, for a new container and for exec.
void become(const struct hive_plan *p, int errfd);
// The pty of a new container, opened before pivot_root (-1 when exec makes its own).
extern int early_master, early_slave;
// The pty master the last launch or exec received.
extern int last_master;
// Passes `fd` over the unix socket `sock` (SCM_RIGHTS, one byte of data):
// 0, or -1 (errno). Async-signal-safe.
int send_fd(int sock, int fd);
// The fd the peer passed with send_fd (O_CLOEXEC), or -1 if it closed the
// socket first or passed none.
int recv_fd(int sock);
// The calling thread's namespaces for its children (pid, time): opened
// before it joins others' (hive_exec, --pid container:), switched back to
// and closed by own_ns_restore (0, or -1 with err set).
struct own_ns { int pid, time; };
int own_ns_open(struct own_ns *o, char *err, size_t errlen);
int own_ns_restore(struct own_ns *o, char *err, size_t errlen);
int prepare_parent(struct hive_plan *p, int console[2], int *ncg, int strict, char *err, size_t errlen);
// The clone child of a new container (launch.c): never returns.
void launch_child(const struct hive_plan *p, int errfd, int syncfd);
void finish_parent(struct hive_plan *p, int console[2], int ncg);
// hive_foreground_run with detach keys (exec -it): typing them ends the proxy
// with status 0 and *detached set, the process left running (foreground.c).
struct hive_foreground;
// The typed bytes in[0..n) without the detach sequence `keys`, into `out`
// (room for n + nkeys): how many go on to the process. A partial match is
// held back across calls (*matched) and passed on when a byte breaks it;
// *detached is set once the whole sequence is typed (what came before it is
// in out). Without keys every byte goes (attach_client.c).
size_t detach_scan(const unsigned char *keys, size_t nkeys, const unsigned char *in, size_t n, unsigned char *out,
                   size_t *matched, int *detached);
int hive_foreground_run_keys(struct hive_foreground *f, const unsigned char *keys, size_t nkeys, int *detached);

#endif
