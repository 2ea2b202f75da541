// The attach socket (`hive attach`, `run -dit` then attach): a Unix stream
// socket at DIR/attach (hive_attach_proto.h: made before the container
// starts, mode 0600, reached through /proc/self/fd/N of the directory, so a
// long container path never meets sun_path's 108 bytes; removed when the
// monitor ends). Every attached client gets the container's output in
// frames; a client's STDIN frames go to the container's stdin (m->in_fd) and
// its RESIZE frames to the pty. Nothing else a client sends is accepted: a
// bad frame ends its connection. The monitor never blocks on a client: its
// sockets are non-blocking, output a client does not read waits in a
// per-client buffer of at most HIVE_ATTACH_BACKLOG_MAX bytes, past which the
// client is disconnected; stdin the container does not read holds back
// reading clients' input (one chunk waits, never more).
//
// One client may be the command that started the container (`run` without
// -d of a container with a restart policy or a health check: FLAGS a, fd 4,
// hive_monitor_proto.h). It is attached before the container runs, so it
// misses nothing; it is never dropped for being slow: while its backlog is
// past PRIMARY_HOLD the monitor stops reading the container's output
// (attach_output_held), which then waits in its pipe as it would for a
// foreground run; and its STDIN_EOF closes the container's stdin.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "hive_attach_proto.h"
#include "monitor.h"

_Static_assert(HIVE_ATTACH_STDOUT == 1 && HIVE_ATTACH_STDERR == 2, "a stream number is its frame type");

#define CHUNK 4096
// The starting client's backlog past which the container's output is not
// read; its bound: what one pump reads past the hold plus a final drain of
// both pipes (a container can grow its pipes to pipe-max-size, 1 MiB).
#define PRIMARY_HOLD (64 * 1024)
#define PRIMARY_BACKLOG_MAX (4 * 1024 * 1024)

struct client {
    int fd;                                   // -1: a free slot
    unsigned char hdr[HIVE_ATTACH_HEADER];    // the frame header being read
    size_t hdr_len;
    int type;                                 // the frame whose payload is being read
    uint32_t left;                            // its payload bytes still to read
    unsigned char small[4];                   // a RESIZE payload
    size_t small_len;
    unsigned char *out;                       // output not yet written (malloc'd)
    size_t out_len, out_cap;
    int primary;                              // the starting command's connection (fd 4)
};

static struct client clients[HIVE_ATTACH_CLIENTS_MAX];
static int listen_fd = -1, dir_fd = -1;
static dev_t socket_dev;  // the socket this monitor bound
static ino_t socket_ino;
// Input the container has not taken yet (its stdin pipe or pty is full).
static unsigned char pending[CHUNK];
static size_t pending_len, pending_off;
// What each pollfd added by attach_pollfds is: a client's slot, or these.
enum { SLOT_LISTEN = -1, SLOT_STDIN = -2 };
static int slots[HIVE_ATTACH_CLIENTS_MAX + 2];

static void drop(struct client *c) {
    if (c->fd >= 0) close(c->fd);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

// Writes what the client has waiting (as much as it takes now).
static void flush_client(struct client *c) {
    while (c->fd >= 0 && c->out_len > 0) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (w <= 0) { drop(c); return; }
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
    if (c->fd >= 0 && c->out_len == 0 && c->out_cap > 2 * CHUNK + HIVE_ATTACH_HEADER) {
        free(c->out);  // a burst's buffer goes back
        c->out = NULL;
        c->out_cap = 0;
    }
}

// Queues one frame for a client (written at once if its socket takes it);
// past the bound the client is disconnected.
static void send_frame(struct client *c, int type, const void *data, size_t n) {
    unsigned char h[HIVE_ATTACH_HEADER];
    hive_attach_header(h, type, (uint32_t)n);
    size_t skip = 0;  // what went straight out
    if (c->out_len == 0) {
        struct iovec iov[2] = { { h, sizeof h }, { (void *)data, n } };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
        ssize_t w;
        do w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT); while (w < 0 && errno == EINTR);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { drop(c); return; }
        if (w > 0) skip = (size_t)w;
        if (skip == sizeof h + n) return;
    }
    size_t need = c->out_len + sizeof h + n - skip;
    size_t bound = c->primary ? PRIMARY_BACKLOG_MAX : HIVE_ATTACH_BACKLOG_MAX;
    if (need > bound) { drop(c); return; }
    if (need > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 2 * CHUNK + HIVE_ATTACH_HEADER;
        while (cap < need) cap *= 2;
        if (cap > bound) cap = bound;
        unsigned char *p = realloc(c->out, cap);
        if (!p) { drop(c); return; }
        c->out = p;
        c->out_cap = cap;
    }
    if (skip < sizeof h) {
        memcpy(c->out + c->out_len, h + skip, sizeof h - skip);
        c->out_len += sizeof h - skip;
        skip = 0;
    } else {
        skip -= sizeof h;
    }
    memcpy(c->out + c->out_len, (const unsigned char *)data + skip, n - skip);
    c->out_len += n - skip;
}

void attach_setup(struct monitor *m) {
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) clients[i].fd = -1;
    dir_fd = open(m->args.dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0) return;
    // no socket, no attach: `hive attach` says so; the container still runs
    listen_fd = hive_attach_listen(dir_fd);
    struct stat st;
    if (listen_fd >= 0 && fstatat(dir_fd, HIVE_ATTACH_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        socket_dev = st.st_dev;
        socket_ino = st.st_ino;
    }
}

// Writes the waiting input to the container's stdin: 1 once none waits.
static int push_pending(struct monitor *m) {
    while (pending_off < pending_len) {
        if (m->in_fd < 0) { pending_len = pending_off = 0; return 1; }  // its stdin is gone: dropped
        ssize_t w = write(m->in_fd, pending + pending_off, pending_len - pending_off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (w <= 0) { pending_len = pending_off = 0; return 1; }  // EPIPE, EIO: nobody reads it
        pending_off += (size_t)w;
    }
    pending_len = pending_off = 0;
    return 1;
}

int attach_pollfds(struct monitor *m, struct pollfd *fds, int cap) {
    int n = 0;
    if (listen_fd >= 0 && n < cap) { slots[n] = SLOT_LISTEN; fds[n++] = (struct pollfd){ listen_fd, POLLIN, 0 }; }
    int waiting = pending_len > pending_off && m->in_fd >= 0;
    if (waiting && n < cap) { slots[n] = SLOT_STDIN; fds[n++] = (struct pollfd){ m->in_fd, POLLOUT, 0 }; }
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX && n < cap; i++) {
        struct client *c = &clients[i];
        if (c->fd < 0) continue;
        // while the container's stdin is full, clients' input waits in their sockets
        short ev = (short)((waiting ? 0 : POLLIN) | (c->out_len ? POLLOUT : 0));
        slots[n] = i;
        fds[n++] = (struct pollfd){ c->fd, ev, 0 };
    }
    return n;
}

static void hello(struct monitor *m, struct client *c) {
    unsigned char p[4] = { HIVE_ATTACH_VERSION, m->plan.tty ? 1 : 0, m->in_fd >= 0 ? 1 : 0, 0 };
    send_frame(c, HIVE_ATTACH_HELLO, p, sizeof p);
}

void attach_adopt(struct monitor *m, int fd) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct client *c = &clients[0];  // called first: every slot is free
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->primary = 1;
    hello(m, c);
}

int attach_output_held(struct monitor *m) {
    (void)m;
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++)
        if (clients[i].fd >= 0 && clients[i].primary && clients[i].out_len >= PRIMARY_HOLD) return 1;
    return 0;
}

static void accept_client(struct monitor *m) {
    for (int k = 0; k < HIVE_ATTACH_CLIENTS_MAX; k++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        struct client *c = NULL;
        for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) if (clients[i].fd < 0) { c = &clients[i]; break; }
        if (!c) { close(fd); continue; }  // full: the client sees its connection end before HELLO
        memset(c, 0, sizeof *c);
        c->fd = fd;
        hello(m, c);
    }
}

static void resize(struct monitor *m, const unsigned char p[4]) {
    if (!m->plan.tty || m->out_fd < 0) return;
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)(p[0] << 8 | p[1]);
    ws.ws_col = (unsigned short)(p[2] << 8 | p[3]);
    ioctl(m->out_fd, TIOCSWINSZ, &ws);
}

// Reads what the client sent (a bounded amount per call): frames in order.
static void read_client(struct monitor *m, struct client *c) {
    for (int round = 0; round < 16 && c->fd >= 0; round++) {
        if (pending_len > pending_off) return;  // the container's stdin is full
        ssize_t r;
        if (c->left == 0) {
            r = read(c->fd, c->hdr + c->hdr_len, sizeof c->hdr - c->hdr_len);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            if (r <= 0) { drop(c); return; }
            c->hdr_len += (size_t)r;
            if (c->hdr_len < sizeof c->hdr) continue;
            c->hdr_len = 0;
            uint32_t len;
            if (hive_attach_parse_header(c->hdr, HIVE_ATTACH_TO_MONITOR, &c->type, &len) < 0) { drop(c); return; }
            c->left = len;
            c->small_len = 0;
            // the starting client's input ended: so does the container's (not a tty's)
            if (c->type == HIVE_ATTACH_STDIN_EOF && c->primary && !m->plan.tty && m->in_fd >= 0) {
                close(m->in_fd);
                m->in_fd = -1;
            }
            continue;
        }
        unsigned char buf[CHUNK];
        size_t want = c->left < sizeof buf ? c->left : sizeof buf;
        if (c->type == HIVE_ATTACH_RESIZE) want = c->left;  // at most 4
        r = read(c->fd, buf, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r <= 0) { drop(c); return; }
        c->left -= (uint32_t)r;
        if (c->type == HIVE_ATTACH_RESIZE) {
            memcpy(c->small + c->small_len, buf, (size_t)r);
            c->small_len += (size_t)r;
            if (c->left == 0) resize(m, c->small);
        } else if (m->in_fd >= 0) {
            memcpy(pending, buf, (size_t)r);
            pending_len = (size_t)r;
            pending_off = 0;
            push_pending(m);
        }
        // without stdin (not -i) the input is dropped
    }
}

void attach_handle(struct monitor *m, struct pollfd *fds, int n) {
    for (int k = 0; k < n; k++) {
        if (!fds[k].revents) continue;
        if (slots[k] == SLOT_LISTEN) { accept_client(m); continue; }
        if (slots[k] == SLOT_STDIN) { push_pending(m); continue; }
        struct client *c = &clients[slots[k]];
        if (c->fd != fds[k].fd) continue;  // dropped since (a slow client during output)
        if (fds[k].revents & POLLOUT) flush_client(c);
        // gone while its input was held back (POLLIN not asked): ended now, no spinning on POLLHUP
        if (c->fd >= 0 && !(fds[k].events & POLLIN) && (fds[k].revents & (POLLHUP | POLLERR))) { drop(c); continue; }
        if (c->fd >= 0 && (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) read_client(m, c);
    }
}

void attach_output(struct monitor *m, int stream, const char *data, size_t n) {
    (void)m;
    int type = stream;  // HIVE_ATTACH_STDOUT and _STDERR are 1 and 2
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) {
        struct client *c = &clients[i];
        for (size_t off = 0; c->fd >= 0 && off < n; off += HIVE_ATTACH_DATA_MAX) {
            size_t k = n - off < HIVE_ATTACH_DATA_MAX ? n - off : HIVE_ATTACH_DATA_MAX;
            send_frame(c, type, data + off, k);
        }
    }
}

void attach_container_exited(struct monitor *m, int status) {
    (void)m;
    unsigned char code[4];
    hive_attach_put_u32(code, (uint32_t)status);
    int any = 0;
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) {
        if (clients[i].fd < 0) continue;
        send_frame(&clients[i], HIVE_ATTACH_EXIT, code, sizeof code);
        any = 1;
    }
    // the last frames get a moment (500 ms at most; the starting client,
    // which must see all of the output, 30 s) to go out, then every client
    // is closed: a restart or the cleanup never waits longer
    long long start = monitor_mono_ms();
    while (any) {
        struct pollfd fds[HIVE_ATTACH_CLIENTS_MAX];
        int idx[HIVE_ATTACH_CLIENTS_MAX], n = 0, primary = 0;
        long long now = monitor_mono_ms();
        for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) {
            if (clients[i].fd < 0 || !clients[i].out_len) continue;
            if (!clients[i].primary && now >= start + 500) continue;
            primary |= clients[i].primary;
            idx[n] = i;
            fds[n++] = (struct pollfd){ clients[i].fd, POLLOUT, 0 };
        }
        long long left = start + (primary ? 30000 : 500) - now;
        if (n == 0 || left <= 0) break;
        if (poll(fds, (nfds_t)n, (int)left) <= 0) continue;
        for (int k = 0; k < n; k++) if (fds[k].revents) flush_client(&clients[idx[k]]);
    }
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) if (clients[i].fd >= 0) drop(&clients[i]);
    pending_len = pending_off = 0;
}

void attach_close(struct monitor *m) {
    (void)m;
    for (int i = 0; i < HIVE_ATTACH_CLIENTS_MAX; i++) if (clients[i].fd >= 0) drop(&clients[i]);
    if (listen_fd >= 0) close(listen_fd);
    listen_fd = -1;
    if (dir_fd >= 0) {
        // only its own socket: a monitor started after this one (a start
        // while this one finished) has bound a new one at the same name
        struct stat st;
        if (socket_ino && fstatat(dir_fd, HIVE_ATTACH_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == socket_dev &&
            st.st_ino == socket_ino)
            unlinkat(dir_fd, HIVE_ATTACH_SOCKET, 0);
        close(dir_fd);
    }
    dir_fd = -1;
}
