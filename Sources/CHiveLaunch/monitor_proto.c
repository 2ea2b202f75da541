// The hive <-> hive-monitor protocol (hive_monitor_proto.h): writers and parsers.
#include "hive_monitor_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "launch_internal.h"

// Digits only, optionally signed; the whole of [s, s+n); within [lo, hi].
static int parse_ll(const char *s, size_t n, int allow_sign, long long lo, long long hi, long long *out) {
    size_t i = 0;
    int neg = 0;
    if (allow_sign && n > 0 && s[0] == '-') { neg = 1; i = 1; }
    if (i == n) return -1;
    long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        if (v > (LLONG_MAX - (s[i] - '0')) / 10) return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (neg) v = -v;
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int hive_monitor_format_status(char *buf, size_t cap, const struct hive_monitor_status *s) {
    int n;
    if (s->started) {
        n = snprintf(buf, cap, "P%d\n", (int)s->pid);
    } else {
        n = snprintf(buf, cap, "E%d ", s->code);
        if (n < 0 || (size_t)n >= cap) return -1;
        size_t len = s->message ? s->message_len : 0;
        if (len > HIVE_MONITOR_MESSAGE_MAX - 1) len = HIVE_MONITOR_MESSAGE_MAX - 1;
        for (size_t i = 0; i < len && (size_t)n + 2 < cap; i++) buf[n++] = s->message[i] == '\n' ? ' ' : s->message[i];
        buf[n++] = '\n';
        buf[n] = 0;
    }
    if (n < 0 || (size_t)n >= cap) return -1;
    return n;
}

int hive_monitor_report_started(int fd, pid_t pid) {
    struct hive_monitor_status s = { .started = 1, .pid = pid };
    char line[HIVE_MONITOR_LINE_MAX];
    int n = hive_monitor_format_status(line, sizeof line, &s);
    return n < 0 ? -1 : write_all(fd, line, (size_t)n);
}

int hive_monitor_report_failed(int fd, int code, const char *message) {
    struct hive_monitor_status s = { .started = 0, .code = code, .message = message, .message_len = message ? strlen(message) : 0 };
    char line[HIVE_MONITOR_LINE_MAX];
    int n = hive_monitor_format_status(line, sizeof line, &s);
    return n < 0 ? -1 : write_all(fd, line, (size_t)n);
}

int hive_monitor_parse_status(const char *line, size_t len, struct hive_monitor_status *out) {
    if (len > 0 && line[len - 1] == '\n') len--;
    if (len < 2 || memchr(line, '\n', len)) return -1;
    memset(out, 0, sizeof *out);
    long long v;
    if (line[0] == 'P') {
        if (parse_ll(line + 1, len - 1, 0, 1, INT_MAX, &v) < 0) return -1;
        out->started = 1;
        out->pid = (pid_t)v;
        return 0;
    }
    if (line[0] != 'E') return -1;
    const char *sp = memchr(line, ' ', len);
    size_t digits = (sp ? (size_t)(sp - line) : len) - 1;
    if (parse_ll(line + 1, digits, 0, 0, 255, &v) < 0) return -1;
    out->code = (int)v;
    out->message = sp ? sp + 1 : line + len;
    out->message_len = sp ? len - (size_t)(sp + 1 - line) : 0;
    return 0;
}

ssize_t hive_monitor_read_line(int fd, char *line, size_t cap) {
    size_t n = 0;
    // byte by byte: nothing after the line is consumed
    while (n < cap) {
        ssize_t r = read(fd, line + n, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && n == 0) return -1;
        if (r <= 0) break;
        if (line[n++] == '\n') break;
    }
    return (ssize_t)n;
}

int hive_monitor_read_status(int fd, char *line, size_t cap, struct hive_monitor_status *out) {
    ssize_t n = hive_monitor_read_line(fd, line, cap);
    if (n <= 0) return -1;
    return hive_monitor_parse_status(line, (size_t)n, out);
}

int hive_monitor_format_restart(char *buf, size_t cap, long long delay_ms) {
    if (delay_ms < 0 || delay_ms > HIVE_MONITOR_RESTART_MAX_MS) return -1;
    int n = snprintf(buf, cap, "R%lld\n", delay_ms);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int hive_monitor_parse_restart(const char *line, size_t len, long long *delay_ms) {
    if (len > 0 && line[len - 1] == '\n') len--;
    if (len < 2 || line[0] != 'R') return -1;
    return parse_ll(line + 1, len - 1, 0, 0, HIVE_MONITOR_RESTART_MAX_MS, delay_ms);
}

int hive_monitor_format_exit(char *buf, size_t cap, int status, long long at_nanos) {
    int n = snprintf(buf, cap, "%d %lld\n", status, at_nanos);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int hive_monitor_write_exit(const char *dir, int status, long long at_nanos) {
    char tmp[4200], fin[4200], text[64];
    snprintf(tmp, sizeof tmp, "%s/" HIVE_MONITOR_EXIT_TMP, dir);
    snprintf(fin, sizeof fin, "%s/" HIVE_MONITOR_EXIT_FILE, dir);
    int n = hive_monitor_format_exit(text, sizeof text, status, at_nanos);
    if (n < 0) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    int w = write_all(fd, text, (size_t)n);
    close(fd);
    if (w < 0) return -1;
    return rename(tmp, fin);
}

int hive_monitor_parse_exit(const char *text, size_t len, int *status, long long *at_nanos) {
    if (len > 0 && text[len - 1] == '\n') len--;
    const char *sp = memchr(text, ' ', len);
    if (!sp) return -1;
    long long s, t;
    if (parse_ll(text, (size_t)(sp - text), 1, INT_MIN, INT_MAX, &s) < 0) return -1;
    if (parse_ll(sp + 1, len - (size_t)(sp + 1 - text), 0, 0, LLONG_MAX, &t) < 0) return -1;
    *status = (int)s;
    *at_nanos = t;
    return 0;
}

int hive_monitor_parse_args(int argc, char *const *argv, struct hive_monitor_args *out) {
    if (argc != 6 && argc != 8 && argc != 9) return -1;
    out->id = argv[1];
    out->dir = argv[2];
    out->hive = argv[3];
    out->root = argv[4];
    out->runroot = argv[5];
    out->log_max_size = 20LL << 20;
    out->log_max_file = 5;
    out->interactive = out->log_none = out->log_compress = out->attached = 0;
    if (argc == 9) {
        for (const char *f = argv[8]; *f; f++) {
            if (*f == 'i') out->interactive = 1;
            else if (*f == 'n') out->log_none = 1;
            else if (*f == 'z') out->log_compress = 1;
            else if (*f == 'a') out->attached = 1;
            else if (*f != '-') return -1;
        }
    }
    if (argc >= 8) {
        out->log_max_size = atoll(argv[6]);
        out->log_max_file = atol(argv[7]);
        if (out->log_max_size < 0) out->log_max_size = 0;
        if (out->log_max_file < 1) out->log_max_file = 1;
    }
    return 0;
}
