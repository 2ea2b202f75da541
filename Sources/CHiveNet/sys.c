// The caller's network namespace through files and sockets: sysctls under
// /proc/sys/net opened component by component without following symlinks,
// and whether a port can be bound. See hive_net.h.
#include "hive_net.h"
#include "nlmsg.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Opens /proc/sys/<key>: dots separate components ('/' in a key stands for a
// dot in a name, as sysctl(8) has it: net.ipv4.conf.eth0/1.rp_filter).
static int open_key(const char *key, int flags) {
    size_t n = strlen(key);
    if (strncmp(key, "net.", 4) != 0 || n >= 256) return -EINVAL;
    int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -errno;
    const char *p = key;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char part[256];
        memcpy(part, p, len);
        part[len] = 0;
        for (char *c = part; *c; c++) if (*c == '/') *c = '.';
        if (len == 0 || strcmp(part, ".") == 0 || strcmp(part, "..") == 0) { close(dir); return -EINVAL; }
        int next = openat(dir, part, (dot ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(dir);
        if (next < 0) return -e;
        if (!dot) return next;
        dir = next;
        p = dot + 1;
    }
}

static int hive_sysctl_set(const char *key, const char *value) {
    int fd = open_key(key, O_WRONLY);
    if (fd < 0) return fd;
    size_t n = strlen(value);
    ssize_t w = write(fd, value, n);
    int e = errno;
    close(fd);
    if (w < 0) return -e;
    return (size_t)w == n ? 0 : -EIO;
}

static int hive_sysctl_get(const char *key, char *out, size_t outlen) {
    if (!outlen) return -EINVAL;
    int fd = open_key(key, O_RDONLY);
    if (fd < 0) return fd;
    ssize_t r = read(fd, out, outlen - 1);
    int e = errno;
    close(fd);
    if (r < 0) return -e;
    out[r] = 0;
    while (r > 0 && (out[r - 1] == '\n' || out[r - 1] == ' ')) out[--r] = 0;
    return 0;
}

struct sysctl_job { const char *key, *value; char *out; size_t outlen; };

// /proc/sys/net shows the namespace of the thread that opens it.
static int sysctl_job(void *arg) {
    struct sysctl_job *job = arg;
    return job->value ? hive_sysctl_set(job->key, job->value) : hive_sysctl_get(job->key, job->out, job->outlen);
}

int hive_sysctl_set_in(int netns_fd, const char *key, const char *value) {
    struct sysctl_job job = {key, value, NULL, 0};
    return nl_in_netns(netns_fd, sysctl_job, &job);
}

int hive_sysctl_get_in(int netns_fd, const char *key, char *out, size_t outlen) {
    struct sysctl_job job = {key, NULL, out, outlen};
    return nl_in_netns(netns_fd, sysctl_job, &job);
}

int hive_port_free(int proto, int family, const uint8_t *addr, uint16_t port) {
    int type = proto == 17 ? SOCK_DGRAM : SOCK_STREAM;
    int af = family == 6 ? AF_INET6 : AF_INET;
    int s = socket(af, type | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int rc;
    if (af == AF_INET) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
        if (addr) memcpy(&sa.sin_addr, addr, 4);
        rc = bind(s, (struct sockaddr *)&sa, sizeof sa);
    } else {
        int one = 1;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if (addr) memcpy(&sa.sin6_addr, addr, 16);
        rc = bind(s, (struct sockaddr *)&sa, sizeof sa);
    }
    int e = errno;
    close(s);
    if (rc == 0) return 1;
    return e == EADDRINUSE ? 0 : -e;
}
