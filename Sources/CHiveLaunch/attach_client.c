// hive's attach client (hive_attach_proto.h): this process's stdin to the
// container's monitor, the container's output to this process's stdout and
// stderr, until the monitor sends the exit status, the user types the detach
// keys (with a tty, as Docker: only then) or the connection ends. With a tty
// this terminal is raw while attached and its size follows SIGWINCH; without
// one, termination signals are forwarded to the container (--sig-proxy).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "hive_attach_proto.h"
#include "launch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])
static volatile sig_atomic_t caught[NFORWARDED];
static volatile sig_atomic_t winch;

static void on_signal(int sig) {
    if (sig == SIGWINCH) { winch = 1; return; }
    for (size_t i = 0; i < NFORWARDED; i++) if (forwarded[i] == sig) caught[i] = 1;
}

struct outbox { unsigned char buf[2 * HIVE_ATTACH_HEADER + 8192]; size_t len; };

static void queue(struct outbox *o, int type, const unsigned char *p, size_t n) {
    hive_attach_header(o->buf + o->len, type, (uint32_t)n);
    memcpy(o->buf + o->len + HIVE_ATTACH_HEADER, p, n);
    o->len += HIVE_ATTACH_HEADER + n;
}

static void queue_size(struct outbox *o) {
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) < 0 && ioctl(1, TIOCGWINSZ, &ws) < 0) return;
    if (o->len + HIVE_ATTACH_HEADER + 4 > sizeof o->buf) return;  // the next SIGWINCH sends it
    unsigned char p[4] = { (unsigned char)(ws.ws_row >> 8), (unsigned char)ws.ws_row,
                           (unsigned char)(ws.ws_col >> 8), (unsigned char)ws.ws_col };
    queue(o, HIVE_ATTACH_RESIZE, p, 4);
}

// A pidfd on the container's init for sig-proxy: the process whose start
// time is the recorded one (checked after the pidfd pins it), else -1.
static int open_pidfd(pid_t pid, long long start) {
    if (pid <= 0) return -1;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0 && proc_start_time(pid) != start) { close(fd); fd = -1; }
    return fd;
}

size_t detach_scan(const unsigned char *keys, size_t nkeys, const unsigned char *in, size_t n, unsigned char *out,
                   size_t *matched, int *detached) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (nkeys && in[i] == keys[*matched]) {
            if (++*matched == nkeys) { *detached = 1; return k; }
            continue;
        }
        for (size_t j = 0; j < *matched; j++) out[k++] = keys[j];  // not the sequence after all
        *matched = 0;
        if (nkeys && in[i] == keys[0]) { *matched = 1; if (nkeys == 1) { *detached = 1; return k; } continue; }
        out[k++] = in[i];
    }
    return k;
}

int hive_attach_run(int sock, const struct hive_attach_options *opts) {
    int result = HIVE_ATTACH_LOST;
    int tty = -1;                      // unknown until HELLO
    int in_open = opts->stdin_attached;
    struct termios saved;
    int raw = 0;
    size_t matched = 0;                // detach keys typed so far (held back)
    struct outbox out = { .len = 0 };
    unsigned char in[HIVE_ATTACH_HEADER + HIVE_ATTACH_DATA_MAX];
    size_t in_len = 0;

    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
    int pidfd = opts->sig_proxy ? open_pidfd(opts->pid, opts->pid_start) : -1;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGWINCH);
    for (size_t i = 0; i < NFORWARDED; i++) { sigaddset(&block, forwarded[i]); caught[i] = 0; }
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigaction sa, saved_sa[NFORWARDED + 1];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGWINCH, &sa, &saved_sa[NFORWARDED]);
    // the signals are caught while attached when they are proxied, and with a
    // raw terminal (so it is restored); otherwise they act as they would
    int catching = 0;

    for (;;) {
        if (winch && tty == 1) { winch = 0; queue_size(&out); }
        for (size_t i = 0; catching && i < NFORWARDED; i++) {
            if (!caught[i]) continue;
            caught[i] = 0;
            if (opts->sig_proxy && tty == 0) {
                if (pidfd >= 0) syscall(SYS_pidfd_send_signal, pidfd, forwarded[i], NULL, 0);
            } else if (forwarded[i] != SIGINT && forwarded[i] != SIGQUIT && forwarded[i] != SIGUSR1 && forwarded[i] != SIGUSR2) {
                result = -256 - forwarded[i];  // SIGTERM, SIGHUP: this client ends, its terminal restored
                goto done;
            }
        }
        struct pollfd fds[2] = {
            { sock, (short)(POLLIN | (out.len ? POLLOUT : 0)), 0 },
            // stdin is read when its frame fits (and only once the mode is known)
            { in_open && tty >= 0 && out.len == 0 ? 0 : -1, POLLIN, 0 },
        };
        int r = ppoll(fds, 2, NULL, &old);
        if (r < 0) { if (errno == EINTR) continue; goto done; }
        if (fds[0].revents & POLLOUT) {
            ssize_t w = send(sock, out.buf, out.len, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) goto done;
            if (w > 0) { memmove(out.buf, out.buf + w, out.len - (size_t)w); out.len -= (size_t)w; }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, in + in_len, sizeof in - in_len);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) n = -2;
            if (n == 0 || n == -1) goto done;  // without an exit frame: LOST
            if (n > 0) in_len += (size_t)n;
            size_t off = 0;
            while (in_len - off >= HIVE_ATTACH_HEADER) {
                int type;
                uint32_t len;
                if (hive_attach_parse_header(in + off, HIVE_ATTACH_TO_CLIENT, &type, &len) < 0) { result = HIVE_ATTACH_BAD_PEER; goto done; }
                if (in_len - off < HIVE_ATTACH_HEADER + len) break;
                const unsigned char *p = in + off + HIVE_ATTACH_HEADER;
                off += HIVE_ATTACH_HEADER + len;
                if ((tty < 0) != (type == HIVE_ATTACH_HELLO)) { result = HIVE_ATTACH_BAD_PEER; goto done; }
                if (type == HIVE_ATTACH_HELLO) {
                    if (p[0] != HIVE_ATTACH_VERSION) { result = HIVE_ATTACH_BAD_PEER; goto done; }
                    tty = p[1] != 0;
                    if (!p[2]) in_open = 0;  // the container has no stdin (not -i)
                    if (tty && in_open && isatty(0) && tcgetattr(0, &saved) == 0) {
                        struct termios t = saved;
                        cfmakeraw(&t);
                        raw = tcsetattr(0, TCSANOW, &t) == 0;
                    }
                    if (tty) queue_size(&out);
                    catching = (opts->sig_proxy && !tty) || raw;
                    for (size_t i = 0; catching && i < NFORWARDED; i++) sigaction(forwarded[i], &sa, &saved_sa[i]);
                } else if (type == HIVE_ATTACH_EXIT) {
                    result = (int)(hive_attach_get_u32(p) & 0xff);
                    goto done;
                } else if ((type == HIVE_ATTACH_STDERR ? opts->drop_stderr : opts->drop_stdout) != 0) {
                    continue;  // a stream this client does not show (`run -a`)
                } else if (write_all(type == HIVE_ATTACH_STDERR ? 2 : 1, p, len) < 0) {
                    goto done;  // our output is gone (a closed pipe): LOST, the caller finds the state
                }
            }
            memmove(in, in + off, in_len - off);
            in_len -= off;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            unsigned char buf[4096], data[4096 + 16];
            ssize_t n = read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            // end of our input: the container's stdin stays open for others
            // (Docker's attach), or it ends with ours (run's StdinOnce)
            if (n <= 0) {
                in_open = 0;
                if (opts->stdin_once) queue(&out, HIVE_ATTACH_STDIN_EOF, buf, 0);
                continue;
            }
            int detached = 0;
            size_t k = detach_scan(opts->detach_keys, tty == 1 ? opts->detach_keys_len : 0, buf, (size_t)n, data, &matched, &detached);
            if (k) queue(&out, HIVE_ATTACH_STDIN, data, k);
            if (detached) { result = HIVE_ATTACH_DETACHED; goto done; }
        }
    }
done:
    // what was typed before the detach keys still goes (briefly, never blocking)
    if (out.len) send(sock, out.buf, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (raw) tcsetattr(0, TCSANOW, &saved);
    for (size_t i = 0; catching && i < NFORWARDED; i++) sigaction(forwarded[i], &saved_sa[i], NULL);
    sigaction(SIGWINCH, &saved_sa[NFORWARDED], NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pidfd >= 0) close(pidfd);
    return result;
}
