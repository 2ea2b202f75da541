// Network namespaces: made on a thread of their own (the caller's thread
// never changes namespace), pinned by a bind mount, opened and checked by
// path, unpinned. See hive_net.h.
#include "hive_net.h"
#include "nlmsg.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

struct hive_ns_job {
    pthread_t thread;
    int fd;             // the namespace, or -errno
    int rtnl;           // a NETLINK_ROUTE socket in it (made to bring lo up), or -1
    const char *step;   // what failed
    char detail[128];
};

static void *make_ns(void *arg) {
    struct hive_ns_job *job = arg;
    if (unshare(CLONE_NEWNET) < 0) { job->fd = -errno; job->step = "unshare(CLONE_NEWNET)"; return NULL; }
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) { job->fd = -errno; job->step = "open /proc/thread-self/ns/net"; return NULL; }
    // Loopback up: index 1 in every new namespace, one netlink message.
    int s = nl_open(NETLINK_ROUTE, -1);
    int rc = s < 0 ? s : hive_link_set(s, 1, 1, 0, -1, job->detail, sizeof job->detail);
    if (rc < 0) {
        if (s >= 0) close(s);
        close(fd);
        job->fd = rc;
        job->step = "bring up lo";
        return NULL;
    }
    job->fd = fd;
    job->rtnl = s;      // kept: the caller configures the namespace through it
    return NULL;
}

struct hive_ns_job *hive_ns_prepare(void) {
    struct hive_ns_job *job = calloc(1, sizeof *job);
    if (!job) return NULL;
    job->fd = -EIO;
    job->rtnl = -1;
    if (pthread_create(&job->thread, NULL, make_ns, job) != 0) { free(job); return NULL; }
    return job;
}

int hive_ns_take(struct hive_ns_job *job, int *rtnl, char *err, size_t errlen) {
    if (rtnl) *rtnl = -1;
    if (!job) {
        if (err && errlen) snprintf(err, errlen, "start a thread");
        return -EAGAIN;
    }
    pthread_join(job->thread, NULL);
    int fd = job->fd;
    if (rtnl) *rtnl = job->rtnl;
    else if (job->rtnl >= 0) close(job->rtnl);
    if (fd < 0 && err && errlen)
        snprintf(err, errlen, "%s%s%s", job->step ? job->step : "", job->detail[0] ? ": " : "", job->detail);
    free(job);
    return fd;
}

// Whether fd is a network namespace: 0, or -EINVAL / -errno.
static int hive_ns_check(int fd) {
    struct statfs st;
    if (fstatfs(fd, &st) < 0) return -errno;
    if ((unsigned long)st.f_type != NSFS_MAGIC) return -EINVAL;
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) return -errno;
    return type == CLONE_NEWNET ? 0 : -EINVAL;
}

int hive_ns_open(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = hive_ns_check(fd);
    if (rc < 0) { close(fd); return rc; }
    return fd;
}

// mkdir -p for dir: missing parents 0755, dir itself `mode`.
static int make_dirs(char *dir, mode_t mode) {
    if (mkdir(dir, mode) == 0 || errno == EEXIST) return 0;
    if (errno != ENOENT) return -errno;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return -ENOENT;
    *slash = 0;
    int rc = make_dirs(dir, 0755);
    *slash = '/';
    if (rc < 0) return rc;
    return mkdir(dir, mode) == 0 || errno == EEXIST ? 0 : -errno;
}

// The directory of path, made (0700) if missing, and checked to be a directory.
static int make_dir_of(const char *path, char *err, size_t errlen) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    char dir[4096];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir) return -ENAMETOOLONG;
    memcpy(dir, path, n);
    dir[n] = 0;
    int rc = make_dirs(dir, 0700);
    if (rc < 0) {
        snprintf(err, errlen, "mkdir %s", dir);
        return rc;
    }
    struct stat st;
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -ENOTDIR;
    }
    return 0;
}

int hive_ns_pin(int fd, const char *path, char *err, size_t errlen) {
    char scratch[1];
    if (!err || !errlen) { err = scratch; errlen = sizeof scratch; }
    err[0] = 0;
    int rc = hive_ns_check(fd);
    if (rc < 0) { snprintf(err, errlen, "fd %d is not a network namespace", fd); return rc; }
    if ((rc = make_dir_of(path, err, errlen)) < 0) return rc;
    // An empty regular file to mount on; an existing one means another pin (or
    // a stale one the caller should remove first).
    int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (f < 0) { int e = errno; snprintf(err, errlen, "create %s", path); return -e; }
    close(f);
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    if (mount(src, path, NULL, MS_BIND, NULL) < 0) {
        int e = errno;
        unlink(path);
        snprintf(err, errlen, "bind-mount the namespace on %s", path);
        return -e;
    }
    return 0;
}

int hive_ns_remove(const char *path) {
    // Unmount every pin stacked there (EINVAL: no more mounts), then the file.
    for (int i = 0; i < 8; i++) {
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
        if (errno == ENOENT) return 0;
        if (errno != EINVAL) return -errno;
        break;
    }
    if (unlink(path) < 0 && errno != ENOENT) return -errno;
    return 0;
}
