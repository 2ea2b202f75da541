// The protocol between hive and hive-monitor, the per-container supervisor of
// a detached container (DESIGN.md "detach"), defined once: the C monitor
// writes with these functions and hive reads with them (HiveRuntime's
// MonitorProtocol). Plain C, no allocation, nothing else linked.
//
//   argv     hive-monitor ID DIR HIVE ROOT RUNROOT [MAX_SIZE MAX_FILE [FLAGS]]
//            (the container's id and directory, the hive executable and the
//            store it calls back into, the log's bounds; 0 MAX_SIZE: unbounded;
//            FLAGS, letters: i the container keeps stdin open (-i), n the
//            "none" log driver, z rotated logs are compressed, a fd 4 is the
//            attach connection of the command that started the container
//            (`run` or `start -a` of a container the monitor must keep:
//            a restart policy, a health check); "-": none)
//   fd 4     (with a) that connection, attached before the container
//            starts: no output is missed; while that client is slow the
//            container's output waits (a foreground run's back-pressure)
//            instead of the client being dropped, and its STDIN_EOF frame
//            closes the container's stdin (Docker's StdinOnce)
//   fd 3     one status line, then closed:
//              "P<pid>\n"            the container runs as <pid>
//              "E<code> <message>\n" it did not start; <code> is the launch's
//                                    exit status (125, 126, 127); a newline in
//                                    the message is sent as a space
//   DIR/exit "<status> <unix nanos>\n" once the container exited (its shell
//            status, 128+N for a signal), written to DIR/exit.tmp and renamed
//   then     it runs HIVE --root ROOT --runroot RUNROOT container cleanup ID
//            with a pipe as its fd 3, on which the engine answers at most one
//            restart line: "R<delay_ms>\n" (the restart policy restarts the
//            container after <delay_ms>); nothing: the monitor is done
//   restart  after the backoff it runs HIVE ... container restart-run ID with
//            a socketpair as its fd 3: the engine writes "L\n" (launch) or
//            nothing (the policy ended); after "L" the monitor launches the
//            plan again and answers with a status line (above)
#ifndef HIVE_MONITOR_PROTO_H
#define HIVE_MONITOR_PROTO_H

#include <stddef.h>
#include <sys/types.h>

#define HIVE_MONITOR_STATUS_FD 3
#define HIVE_MONITOR_ATTACH_FD 4
#define HIVE_MONITOR_EXIT_FILE "exit"
#define HIVE_MONITOR_EXIT_TMP "exit.tmp"
#define HIVE_MONITOR_MESSAGE_MAX 4608
// A status line's longest form: "E" code " " message "\n".
#define HIVE_MONITOR_LINE_MAX (HIVE_MONITOR_MESSAGE_MAX + 16)

struct hive_monitor_status {
    int started;   // 1: "P" (pid set); 0: "E" (code and message set)
    pid_t pid;
    int code;
    const char *message;  // parsed: points into the line; not NUL-terminated
    size_t message_len;   // (at most HIVE_MONITOR_MESSAGE_MAX - 1 are written)
};

struct hive_monitor_args {
    const char *id, *dir, *hive, *root, *runroot;
    long long log_max_size;  // bytes; 0: unbounded (default 20 MiB)
    long log_max_file;       // at least 1 (default 5)
    int interactive;         // FLAGS i
    int log_none;            // FLAGS n
    int log_compress;        // FLAGS z
    int attached;            // FLAGS a: fd 4 is the starting command's attach connection
};

// The status line for `s` in buf (NUL-terminated): its length, or -1 if it does not fit.
int hive_monitor_format_status(char *buf, size_t cap, const struct hive_monitor_status *s);
// The monitor's two reports, written on fd as one line each: 0, or -1 (errno).
int hive_monitor_report_started(int fd, pid_t pid);
int hive_monitor_report_failed(int fd, int code, const char *message);
// Parses one status line (the "\n" optional): 0, or -1 if it is not one.
int hive_monitor_parse_status(const char *line, size_t len, struct hive_monitor_status *out);
// Reads the status line from fd into line (up to "\n" or end of file; cap
// HIVE_MONITOR_LINE_MAX) and parses it: 0, or -1 if the monitor wrote none
// or a malformed one.
int hive_monitor_read_status(int fd, char *line, size_t cap, struct hive_monitor_status *out);

// The exit file's text in buf: its length, or -1 if it does not fit.
int hive_monitor_format_exit(char *buf, size_t cap, int status, long long at_nanos);
// Writes DIR/exit atomically (through DIR/exit.tmp): 0, or -1 (errno).
int hive_monitor_write_exit(const char *dir, int status, long long at_nanos);
// Parses an exit file's text: 0, or -1 if it is not one.
int hive_monitor_parse_exit(const char *text, size_t len, int *status, long long *at_nanos);

// The engine's answer to the monitor's cleanup: "R<delay_ms>\n" (0 <= delay_ms <= 86400000).
#define HIVE_MONITOR_REPLY_FD 3
#define HIVE_MONITOR_RESTART_MAX_MS 86400000LL
#define HIVE_MONITOR_LAUNCH_LINE "L\n"
// The restart line in buf (NUL-terminated): its length, or -1 if it does not fit.
int hive_monitor_format_restart(char *buf, size_t cap, long long delay_ms);
// Parses one restart line (the "\n" optional): 0, or -1 if it is not one.
int hive_monitor_parse_restart(const char *line, size_t len, long long *delay_ms);
// Reads one line (up to "\n" or end of file) from fd into line (cap bytes):
// its length (0: end of file at once), or -1 (errno).
ssize_t hive_monitor_read_line(int fd, char *line, size_t cap);

// The monitor's command line (argv[0] included): 0, or -1 if it is not one.
int hive_monitor_parse_args(int argc, char *const *argv, struct hive_monitor_args *out);

#endif
