// The container launcher (DESIGN.md "launch", STYLE.md 6): Swift computes a
// complete plan; this C code clones the child and executes the plan with
// async-signal-safe calls only, each step reporting its name and errno back
// over a pipe on failure ("pivot_root: Invalid argument").
#ifndef HIVE_LAUNCH_H
#define HIVE_LAUNCH_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hive_mount {
    const char *source;     // NULL for pseudo filesystems
    const char *target;     // inside the container, absolute
    const char *fstype;     // NULL for a bind mount
    unsigned long flags;
    const char *data;
    int readonly;           // remount read-only after binding
    int populate;           // a volume: if its source is empty, copy the image's content at target into it first
};

// The most cgroups a container joins (a launch or exec opens each one's cgroup.procs).
#define HIVE_MAX_CGROUPS 8

struct hive_plan {
    const char *rootfs;         // host path of the (empty) rootfs mountpoint
    const char *overlay_data;   // "lowerdir=...,upperdir=...,workdir=..."
    int readonly_rootfs;
    const char *hostname;
    const char *const *argv;    // NULL-terminated
    const char *const *envp;    // NULL-terminated
    const char *search_path;    // PATH used to find argv[0]
    const char *cwd;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
    uint64_t caps;              // bounding = permitted = effective (root) set
    int cap_last;               // /proc/sys/kernel/cap_last_cap
    int no_new_privs;
    const void *seccomp;        // BPF program (struct sock_filter[]), or NULL
    size_t seccomp_len;         // in instructions
    int netns;                  // the network part: HIVE_NETNS_HOST, _NEW or _JOIN
    const char *netns_path;     // HIVE_NETNS_JOIN: the namespace to setns into (a netns file, /proc/PID/ns/net)
    int privileged;             // no masked/read-only /proc paths, /sys read-write
    const char *const *masked;  // NULL-terminated
    const char *const *readonly;
    const struct hive_mount *mounts;   // extra mounts (hosts, resolv.conf, hostname, volumes)
    size_t nmounts;
    uint64_t nofile_soft, nofile_hard;
    const uint64_t *rlimits;    // --ulimit: (resource, soft, hard) triples
    size_t nrlimits;
    int tty;                    // -t: a pseudo-terminal from the container's devpts as stdio
    int console_fd;             // internal: where the child sends the pty master
    int stdin_fd, stdout_fd, stderr_fd;  // -1: inherit
    const char *const *cgroup_procs;  // cgroup.procs files the container is placed in (NULL-terminated)
    int cgroup_fds[HIVE_MAX_CGROUPS];  // internal: opened from cgroup_procs by launch/exec
    int netns_fd;               // HIVE_NETNS_NEW: a namespace made ahead (the caller's, loopback up) to join
                                // instead of cloning one; -1: none. The caller keeps and closes it.
    // --ipc and --pid: HIVE_NS_PRIVATE, _HOST, or _JOIN the namespace of the
    // running process ipc_pid / pid_pid, which must still have the start time
    // recorded (/proc/PID/stat field 22): its /proc/PID/ns file is opened
    // first and the start time checked after, so a recycled pid fails the launch.
    int ipc, pid_mode;
    int64_t ipc_pid, ipc_start, pid_pid, pid_start;
    int uts_host;               // --uts host: the host's UTS namespace (no hostname set)
    int cgroupns_host;          // --cgroupns host
    int64_t shm_size;           // /dev/shm's size in bytes (0: 64 MiB); --ipc none: no /dev/shm
    const char *domainname;     // --domainname (NULL: none)
    const char *const *sysctls; // --sysctl "key=value", written between clone and exec (NULL-terminated)
    int oom_score_adj_set;      // --oom-score-adj
    int oom_score_adj;
    int ipc_fd, pid_fd;         // internal: the namespaces to join, opened by the parent
    int ipc_shm_fd;             // internal: --ipc container:NAME, a detached copy of NAME's /dev/shm (-1: a /dev/shm of its own)
    void *read_blocks;          // internal: what hive_plan_read allocated (hive_plan_free frees it)
};

// --ipc / --pid: the container's own namespace (Docker's private and shareable),
// the host's, another container's (container:NAME), or for IPC "none" (its own,
// without /dev/shm).
#define HIVE_NS_PRIVATE 0
#define HIVE_NS_HOST 1
#define HIVE_NS_JOIN 2
#define HIVE_NS_NONE 3

// The plan's network part (DESIGN.md "run"): the host's namespace; a new one
// with only loopback up (interfaces, later, configured between clone and
// exec); or an existing one (netns_path) the child joins with setns.
#define HIVE_NETNS_HOST 0
#define HIVE_NETNS_NEW 1
#define HIVE_NETNS_JOIN 2

// Clones and starts the container. On success *pid is the container's init
// (PID 1 inside) and 0 is returned once it has exec'd. On failure returns -1
// with `err` naming the step ("pivot_root: Invalid argument") and
// *exit_code set to 125, or 126/127 when the command cannot be run.
int hive_launch(const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen);
// hive_launch in two halves, so the caller can work (record the pid) while
// the child sets up its mounts: start returns once the child is in its
// cgroups, with *report_fd to pass to finish, which waits for exec or the
// failed step (and reaps the child then). Start fails as launch does.
int hive_launch_start(const struct hive_plan *plan, pid_t *pid, int *report_fd, char *err, size_t errlen);
int hive_launch_finish(int report_fd, pid_t pid, int *exit_code, char *err, size_t errlen);

// With plan->tty: the pty master of the last successful hive_launch/hive_exec (-1 if none).
int hive_last_pty_master(void);
// Proxies this terminal <-> the pty master until `pid` exits (raw mode, window
// size changes forwarded); returns the exit status as a shell reports it.
int hive_pty_proxy(int master, pid_t pid);
// The same with detach keys (exec -it --detach-keys): *detached tells whether
// the user detached (the status is then 0 and the process runs on).
int hive_pty_proxy_keys(int master, pid_t pid, const unsigned char *keys, size_t nkeys, int *detached);

// `hive exec`: starts plan->argv inside the running container whose init is
// `target` (its namespaces, cgroups, capabilities, seccomp, no_new_privs).
// `target_start` is the init's recorded start time (/proc/PID/stat field 22;
// 0: unchecked): the target is pinned by a pidfd and must match it and be in
// the container's first cgroup, and exec fails unless it joins every cgroup.
// The calling thread joins the container's pid and time namespaces for the
// fork (they apply to children only) and is back in its own (as they were,
// /proc/thread-self/ns/*_for_children) when hive_exec returns, success or
// not: the caller's later children (hive-monitor's hooks and relaunches) are
// never started in the container's.
int hive_exec(pid_t target, uint64_t target_start, const struct hive_plan *plan, pid_t *pid, int *exit_code, char *err, size_t errlen);

// hive_exec for a multi-threaded caller (the Engine API service): in a
// child of its own (*helper, to be reaped), which reports over the socket
// returned (-1: errno) one hive_exec_report per message: FAILED (value: the
// exit code 125-127, err: why) or STARTED (value: the process's pid, its pty
// master passed with it), then EXITED (value: its status as a shell reports it).
struct hive_exec_report {
    int kind;
    int value;
    char err[496];
};
#define HIVE_EXEC_FAILED 1
#define HIVE_EXEC_STARTED 2
#define HIVE_EXEC_EXITED 3
int hive_exec_spawn(pid_t target, uint64_t target_start, const struct hive_plan *plan, pid_t *helper);
// The next report (blocking); *passed: the fd that came with it, or -1. -1 at the helper's end.
int hive_exec_read_report(int fd, struct hive_exec_report *r, int *passed);
// A terminal's size (TIOCSWINSZ on a pty's master or slave).
int hive_set_winsize(int fd, unsigned short rows, unsigned short cols);

// `hive cp`: with to_container 0, copies the container's `ctr_path` to
// `host_name` in the host directory `host_fd`; with 1, copies the host object
// `host_fd` (an O_PATH fd, hive_cp_open_source) into the container: into
// `ctr_path` as `host_name` if that is a directory, else as `ctr_path`.
// `running` is the container's init and `start` its start time (/proc/PID/stat
// field 22), checked after a pidfd is opened on it; 0: mount `overlay_data` on
// `rootfs` privately. Only regular files and directories are opened; fifos and
// devices are copied as nodes; an existing fifo or device is never written (copy.c).
#define HIVE_CP_ARCHIVE 1   // -a: keep uid/gid (and setuid/setgid bits out of a container)
#define HIVE_CP_FOLLOW 2    // -L: follow a symlink named as the source
#define HIVE_CP_DIRECTORY 4 // hive_cp_open: the path must be a directory, opened for use as one
// *copied: the bytes of regular-file content copied.
int hive_cp(pid_t running, long long start, const char *overlay_data, const char *rootfs, const char *ctr_path,
            int host_fd, const char *host_name, int to_container, int flags, long long *copied, char *err, size_t errlen);
// An fd on the container's `ctr_path` (resolved inside its root), for tar
// streams (`hive cp CTR:PATH -`, `hive cp - CTR:DIR`): an open directory with
// HIVE_CP_DIRECTORY, else an O_PATH fd (a symlink itself unless HIVE_CP_FOLLOW).
int hive_cp_open(pid_t running, long long start, const char *overlay_data, const char *rootfs, const char *ctr_path,
                 int flags, int *fd_out, char *err, size_t errlen);
// The host source of a copy into a container, as an O_PATH fd (a symlink itself unless `follow`).
int hive_cp_open_source(const char *path, int follow);

// The plan as a file, for the per-container monitor (plan.c).
int hive_plan_write(const char *path, const struct hive_plan *plan);
int hive_plan_read(const char *path, struct hive_plan *plan);
// Frees what hive_plan_read allocated for `plan` (its strings, lists and
// seccomp program); fields the caller set itself are the caller's.
void hive_plan_free(struct hive_plan *plan);

void hive_forward_signals(pid_t pid);
// Spawns hive-monitor with `status_w` as its fd 3 and, unless -1, `attach`
// (the starting command's attach connection, FLAGS a) as its fd 4
// (hive_monitor_proto.h); returns posix_spawn's result (an errno).
int hive_spawn_monitor(const char *path, const char *const *argv, int status_w, int attach, pid_t *pid);

int hive_wait_exit(pid_t pid);

#endif
