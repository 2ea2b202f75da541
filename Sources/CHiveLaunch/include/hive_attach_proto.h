// The attach protocol (`hive attach`): hive-monitor serves a Unix stream
// socket in the container's directory (DIR/attach, mode 0600, made before the
// container starts, removed when the monitor ends); any number of clients
// (up to HIVE_ATTACH_CLIENTS_MAX at once) talk to it in frames. Defined once
// here: the monitor (attach.c) and hive's client (attach_client.c) both use
// these functions.
//
// A frame is an 8-byte header and a payload, as Docker's stdcopy frames:
//   byte 0     type
//   bytes 1-3  zero
//   bytes 4-7  payload length, big-endian
// Monitor to client (with or without a tty: a tty's output is stdout frames,
// so the exit code can follow it on the same stream):
//   HELLO  4 bytes: protocol version (1), tty (0/1), stdin open (0/1), 0;
//          the first frame, sent on accept
//   STDOUT, STDERR  the container's output, as read (1..HIVE_ATTACH_DATA_MAX)
//   EXIT   4 bytes: the container's exit status, big-endian (128+N for a
//          signal); the last frame, then the monitor closes the connection
// Client to monitor:
//   STDIN  bytes for the container's stdin (1..HIVE_ATTACH_DATA_MAX; dropped
//          when the container has no stdin)
//   RESIZE 4 bytes: rows, columns, each big-endian 16-bit (a tty only)
//   STDIN_EOF  no payload: this client's input ended; from the connection
//          that started the container (hive_monitor_proto.h, fd 4) it closes
//          the container's stdin (StdinOnce); from any other, it is ignored
// Anything else (an unknown type, a non-zero reserved byte, a length out of
// bounds or wrong for the type) ends that client's connection; nothing a
// client sends makes the monitor do anything but these two things. A client
// that does not read its output for HIVE_ATTACH_BACKLOG_MAX bytes is
// disconnected; the monitor never blocks on one.
//
// The socket's path can be longer than sun_path (108 bytes): both sides
// reach it through /proc/self/fd/N/attach, N an fd of the directory.
#ifndef HIVE_ATTACH_PROTO_H
#define HIVE_ATTACH_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HIVE_ATTACH_SOCKET "attach"
#define HIVE_ATTACH_VERSION 1
#define HIVE_ATTACH_HEADER 8
#define HIVE_ATTACH_DATA_MAX 32768
#define HIVE_ATTACH_BACKLOG_MAX (256 * 1024)
#define HIVE_ATTACH_CLIENTS_MAX 16

enum hive_attach_type {
    HIVE_ATTACH_STDOUT = 1,
    HIVE_ATTACH_STDERR = 2,
    HIVE_ATTACH_EXIT = 3,
    HIVE_ATTACH_HELLO = 4,
    HIVE_ATTACH_STDIN = 16,
    HIVE_ATTACH_RESIZE = 17,
    HIVE_ATTACH_STDIN_EOF = 18,
};

// Which way a frame goes.
enum hive_attach_direction { HIVE_ATTACH_TO_CLIENT = 0, HIVE_ATTACH_TO_MONITOR = 1 };

// Writes a frame's header into out.
void hive_attach_header(unsigned char out[HIVE_ATTACH_HEADER], int type, uint32_t len);
// Checks a header for frames going `direction`: 0 with *type and *len set,
// or -1 if it is not a valid one.
int hive_attach_parse_header(const unsigned char in[HIVE_ATTACH_HEADER], int direction, int *type, uint32_t *len);
// Fixed payloads: 4 bytes each.
void hive_attach_put_u32(unsigned char out[4], uint32_t v);
uint32_t hive_attach_get_u32(const unsigned char in[4]);

// The monitor: a listening socket (non-blocking, close-on-exec) at
// DIR/attach, any stale one replaced; -1 (errno) on failure.
int hive_attach_listen(int dirfd);
// A client: a connected socket to DIR/attach (`dir` a path); -1 (errno:
// ENOENT when there is no socket, ECONNREFUSED when nobody serves it).
int hive_attach_connect(const char *dir);
// The same for a socket named `name` in the directory: the Engine API's
// attach waiting for a created container's start (DIR/attach-wait.*, the
// starter hands its connection to the monitor as the starting client).
int hive_attach_listen_name(int dirfd, const char *name);
int hive_attach_connect_name(const char *dir, const char *name);
// hive_attach_listen_name with the directory's path; the next connection
// (blocking, close-on-exec) or -1 (EAGAIN: none yet).
int hive_attach_listen_in(const char *dir, const char *name);
int hive_attach_accept(int listener);

// hive's client (attach_client.c): proxies this process's stdio to the
// connected socket until the container exits or the user detaches.
struct hive_attach_options {
    int stdin_attached;                  // send this process's stdin (not --no-stdin)
    int sig_proxy;                       // forward signals to the container's init (non-tty only)
    pid_t pid;                           // its init (0: none): pinned by a pidfd while attached,
    long long pid_start;                 // only if its start time (/proc/PID/stat field 22) is this
    const unsigned char *detach_keys;    // with a tty: the sequence that detaches
    size_t detach_keys_len;
    int stdin_once;                      // at the end of this process's stdin, send STDIN_EOF
    int drop_stdout, drop_stderr;        // not written here (`run -a` without that stream)
};
#define HIVE_ATTACH_DETACHED (-1)        // the user typed the detach keys
#define HIVE_ATTACH_LOST (-2)            // the connection ended without an exit frame
#define HIVE_ATTACH_BAD_PEER (-3)        // the monitor sent something that is not the protocol
// -256 - N: this client ended on signal N (SIGTERM, SIGHUP) while not proxying it
// The container's exit status, or one of the negative results above.
int hive_attach_run(int sock, const struct hive_attach_options *opts);

#endif
