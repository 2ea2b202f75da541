// The attach protocol's frames and socket (hive_attach_proto.h), shared by
// hive-monitor's attach.c and hive's client (attach_client.c).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "hive_attach_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

void hive_attach_put_u32(unsigned char out[4], uint32_t v) {
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

uint32_t hive_attach_get_u32(const unsigned char in[4]) {
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | (uint32_t)in[3];
}

void hive_attach_header(unsigned char out[HIVE_ATTACH_HEADER], int type, uint32_t len) {
    out[0] = (unsigned char)type;
    out[1] = out[2] = out[3] = 0;
    hive_attach_put_u32(out + 4, len);
}

int hive_attach_parse_header(const unsigned char in[HIVE_ATTACH_HEADER], int direction, int *type, uint32_t *len) {
    if (in[1] || in[2] || in[3]) return -1;
    uint32_t n = hive_attach_get_u32(in + 4);
    int t = in[0];
    int ok;
    if (direction == HIVE_ATTACH_TO_CLIENT) {
        switch (t) {
        case HIVE_ATTACH_STDOUT: case HIVE_ATTACH_STDERR: ok = n >= 1 && n <= HIVE_ATTACH_DATA_MAX; break;
        case HIVE_ATTACH_EXIT: case HIVE_ATTACH_HELLO: ok = n == 4; break;
        default: ok = 0;
        }
    } else {
        switch (t) {
        case HIVE_ATTACH_STDIN: ok = n >= 1 && n <= HIVE_ATTACH_DATA_MAX; break;
        case HIVE_ATTACH_RESIZE: ok = n == 4; break;
        case HIVE_ATTACH_STDIN_EOF: ok = n == 0; break;
        default: ok = 0;
        }
    }
    if (!ok) return -1;
    *type = t;
    *len = n;
    return 0;
}

static int socket_address(int dirfd, const char *name, struct sockaddr_un *a) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", dirfd, name);
    if (n < 0 || (size_t)n >= sizeof a->sun_path) { errno = ENAMETOOLONG; return -1; }
    return 0;
}

int hive_attach_listen(int dirfd) { return hive_attach_listen_name(dirfd, HIVE_ATTACH_SOCKET); }

int hive_attach_listen_name(int dirfd, const char *name) {
    struct sockaddr_un a;
    if (socket_address(dirfd, name, &a) < 0) return -1;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    unlinkat(dirfd, name, 0);  // a stale one (a monitor killed before)
    mode_t old = umask(0177);                 // 0600 from the start: no window
    int r = bind(s, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(s, HIVE_ATTACH_CLIENTS_MAX) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return s;
}

int hive_attach_connect(const char *dir) { return hive_attach_connect_name(dir, HIVE_ATTACH_SOCKET); }

int hive_attach_connect_name(const char *dir, const char *name) {
    int dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) return -1;
    struct sockaddr_un a;
    int s = socket_address(dirfd, name, &a) < 0 ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(s);
        errno = e;
        s = -1;
    }
    int e = errno;
    close(dirfd);
    errno = e;
    return s;
}

int hive_attach_listen_in(const char *dir, const char *name) {
    int dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) return -1;
    int s = hive_attach_listen_name(dirfd, name);
    int e = errno;
    close(dirfd);
    errno = e;
    return s;
}

int hive_attach_accept(int listener) { return accept4(listener, NULL, NULL, SOCK_CLOEXEC); }
