// A launch plan serialised to a file, so the per-container monitor (C) can
// execute exactly the plan the CLI (Swift) computed. One format, defined here.
// Layout: "HIVEPLAN7\n" (6 and 5 are still read), then fields in a fixed order; strings and arrays are
// u64 length-prefixed; numbers are u64 little-endian. Version 6 is version 5
// with the network part: the u64 that was new_netns (0 host, 1 new: the same
// values) is `netns`, and `netns_path` follows `tty` at the end. Both are read,
// so a container created by the hive before starts with this one. Version 7
// appends the namespace modes and what run/create set between clone and exec:
// ipc, ipc_pid, ipc_start, pid_mode, pid_pid, pid_start, uts_host,
// cgroupns_host, shm_size, domainname, sysctls, oom_score_adj_set, oom_score_adj.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hive_launch.h"

struct buf { unsigned char *p; size_t len, cap; int failed; };

static void put(struct buf *b, const void *d, size_t n) {
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 256;
        unsigned char *nb = realloc(b->p, cap);
        if (!nb) { b->failed = 1; return; }
        b->p = nb; b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void put_u64(struct buf *b, uint64_t v) { unsigned char x[8]; for (int i = 0; i < 8; i++) x[i] = (unsigned char)(v >> (8 * i)); put(b, x, 8); }
static void put_str(struct buf *b, const char *s) {
    if (!s) { put_u64(b, UINT64_MAX); return; }
    size_t n = strlen(s);
    put_u64(b, n);
    put(b, s, n);
}
static void put_strv(struct buf *b, const char *const *v) {
    size_t n = 0;
    while (v && v[n]) n++;
    put_u64(b, n);
    for (size_t i = 0; i < n; i++) put_str(b, v[i]);
}

int hive_plan_write(const char *path, const struct hive_plan *p) {
    struct buf b = {0};
    put(&b, "HIVEPLAN7\n", 10);
    put_str(&b, p->rootfs);
    put_str(&b, p->overlay_data);
    put_u64(&b, (uint64_t)p->readonly_rootfs);
    put_str(&b, p->hostname);
    put_strv(&b, p->argv);
    put_strv(&b, p->envp);
    put_str(&b, p->search_path);
    put_str(&b, p->cwd);
    put_u64(&b, p->uid);
    put_u64(&b, p->gid);
    put_u64(&b, p->ngroups);
    for (size_t i = 0; i < p->ngroups; i++) put_u64(&b, p->groups[i]);
    put_u64(&b, p->caps);
    put_u64(&b, (uint64_t)p->cap_last);
    put_u64(&b, (uint64_t)p->no_new_privs);
    put_u64(&b, p->seccomp ? p->seccomp_len : 0);
    if (p->seccomp) put(&b, p->seccomp, p->seccomp_len * 8);
    put_u64(&b, (uint64_t)p->netns);
    put_u64(&b, (uint64_t)p->privileged);
    put_strv(&b, p->masked);
    put_strv(&b, p->readonly);
    put_u64(&b, p->nmounts);
    for (size_t i = 0; i < p->nmounts; i++) {
        put_str(&b, p->mounts[i].source);
        put_str(&b, p->mounts[i].target);
        put_str(&b, p->mounts[i].fstype);
        put_u64(&b, p->mounts[i].flags);
        put_str(&b, p->mounts[i].data);
        put_u64(&b, (uint64_t)p->mounts[i].readonly);
        put_u64(&b, (uint64_t)p->mounts[i].populate);
    }
    put_u64(&b, p->nofile_soft);
    put_u64(&b, p->nofile_hard);
    put_strv(&b, p->cgroup_procs);
    put_u64(&b, p->nrlimits);
    for (size_t i = 0; i < p->nrlimits * 3; i++) put_u64(&b, p->rlimits[i]);
    put_u64(&b, (uint64_t)p->tty);
    put_str(&b, p->netns_path);
    put_u64(&b, (uint64_t)p->ipc);
    put_u64(&b, (uint64_t)p->ipc_pid);
    put_u64(&b, (uint64_t)p->ipc_start);
    put_u64(&b, (uint64_t)p->pid_mode);
    put_u64(&b, (uint64_t)p->pid_pid);
    put_u64(&b, (uint64_t)p->pid_start);
    put_u64(&b, (uint64_t)p->uts_host);
    put_u64(&b, (uint64_t)p->cgroupns_host);
    put_u64(&b, (uint64_t)p->shm_size);
    put_str(&b, p->domainname);
    put_strv(&b, p->sysctls);
    put_u64(&b, (uint64_t)p->oom_score_adj_set);
    put_u64(&b, (uint64_t)(int64_t)p->oom_score_adj);
    if (b.failed) { free(b.p); errno = ENOMEM; return -1; }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) { free(b.p); return -1; }
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w < 0) { if (errno == EINTR) continue; close(fd); free(b.p); return -1; }
        off += (size_t)w;
    }
    free(b.p);
    if (close(fd) < 0 || rename(tmp, path) < 0) return -1;
    return 0;
}

// ---- reading: every allocation is a block chained from the plan's
// read_blocks, so hive_plan_free frees them all (a long-lived reader, the
// API service, reads one per exec, cp and update)

struct rd { const unsigned char *p; size_t len, off; int failed; void **blocks; };

// `zero`: for the arrays (their terminating slot); strings and the file's bytes are written whole.
static void *rd_alloc(struct rd *r, size_t n, int zero) {
    void **b = zero ? calloc(1, sizeof(void *) + n) : malloc(sizeof(void *) + n);
    if (!b) { r->failed = 1; return NULL; }
    b[0] = *r->blocks;
    *r->blocks = b;
    return b + 1;
}

void hive_plan_free(struct hive_plan *p) {
    void **b = p->read_blocks;
    while (b) {
        void **next = b[0];
        free(b);
        b = next;
    }
    p->read_blocks = NULL;
}

static uint64_t get_u64(struct rd *r) {
    if (r->off + 8 > r->len) { r->failed = 1; return 0; }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | r->p[r->off + (size_t)i];
    r->off += 8;
    return v;
}
static const char *get_str(struct rd *r) {
    uint64_t n = get_u64(r);
    if (n == UINT64_MAX || r->failed) return NULL;
    if (r->off + n > r->len) { r->failed = 1; return NULL; }
    char *s = rd_alloc(r, n + 1, 0);
    if (!s) return NULL;
    memcpy(s, r->p + r->off, n);
    s[n] = 0;
    r->off += n;
    return s;
}
static const char *const *get_strv(struct rd *r) {
    uint64_t n = get_u64(r);
    if (r->failed || n > 1u << 20) { r->failed = 1; return NULL; }
    const char **v = rd_alloc(r, (n + 1) * sizeof *v, 1);
    if (!v) return NULL;
    for (uint64_t i = 0; i < n; i++) v[i] = get_str(r);
    return v;
}

int hive_plan_read(const char *path, struct hive_plan *p) {
    memset(p, 0, sizeof *p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    off_t size = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    struct rd r = { NULL, 0, 10, 0, &p->read_blocks };
    unsigned char *data = size > 0 ? rd_alloc(&r, (size_t)size, 0) : NULL;
    if (!data || read(fd, data, (size_t)size) != size) { close(fd); hive_plan_free(p); errno = EIO; return -1; }
    close(fd);
    r.p = data;
    r.len = (size_t)size;
    int version = size < 10 ? 0 : !memcmp(data, "HIVEPLAN7\n", 10) ? 7 : !memcmp(data, "HIVEPLAN6\n", 10) ? 6 : !memcmp(data, "HIVEPLAN5\n", 10) ? 5 : 0;
    if (!version) { hive_plan_free(p); errno = EINVAL; return -1; }
    p->rootfs = get_str(&r);
    p->overlay_data = get_str(&r);
    p->readonly_rootfs = (int)get_u64(&r);
    p->hostname = get_str(&r);
    p->argv = get_strv(&r);
    p->envp = get_strv(&r);
    p->search_path = get_str(&r);
    p->cwd = get_str(&r);
    p->uid = (uid_t)get_u64(&r);
    p->gid = (gid_t)get_u64(&r);
    p->ngroups = get_u64(&r);
    if (p->ngroups > 65536) { hive_plan_free(p); errno = EINVAL; return -1; }
    gid_t *groups = rd_alloc(&r, (p->ngroups + 1) * sizeof *groups, 1);
    for (size_t i = 0; groups && i < p->ngroups; i++) groups[i] = (gid_t)get_u64(&r);
    p->groups = groups;
    p->caps = get_u64(&r);
    p->cap_last = (int)get_u64(&r);
    p->no_new_privs = (int)get_u64(&r);
    p->seccomp_len = get_u64(&r);
    if (p->seccomp_len) {
        if (p->seccomp_len > r.len / 8 || r.off + p->seccomp_len * 8 > r.len) { hive_plan_free(p); errno = EINVAL; return -1; }
        p->seccomp = r.p + r.off;
        r.off += p->seccomp_len * 8;
    }
    p->netns = (int)get_u64(&r);
    p->privileged = (int)get_u64(&r);
    p->masked = get_strv(&r);
    p->readonly = get_strv(&r);
    p->nmounts = get_u64(&r);
    if (p->nmounts > 4096) { hive_plan_free(p); errno = EINVAL; return -1; }
    struct hive_mount *m = rd_alloc(&r, (p->nmounts + 1) * sizeof *m, 1);
    for (size_t i = 0; m && i < p->nmounts; i++) {
        m[i].source = get_str(&r);
        m[i].target = get_str(&r);
        m[i].fstype = get_str(&r);
        m[i].flags = get_u64(&r);
        m[i].data = get_str(&r);
        m[i].readonly = (int)get_u64(&r);
        m[i].populate = (int)get_u64(&r);
    }
    p->mounts = m;
    p->nofile_soft = get_u64(&r);
    p->nofile_hard = get_u64(&r);
    p->cgroup_procs = get_strv(&r);
    p->nrlimits = get_u64(&r);
    if (p->nrlimits > 64) { hive_plan_free(p); errno = EINVAL; return -1; }
    uint64_t *rl = rd_alloc(&r, (p->nrlimits * 3 + 1) * sizeof *rl, 1);
    for (size_t i = 0; rl && i < p->nrlimits * 3; i++) rl[i] = get_u64(&r);
    p->rlimits = rl;
    p->tty = (int)get_u64(&r);
    p->netns_path = version >= 6 ? get_str(&r) : NULL;
    if (version >= 7) {
        p->ipc = (int)get_u64(&r);
        p->ipc_pid = (int64_t)get_u64(&r);
        p->ipc_start = (int64_t)get_u64(&r);
        p->pid_mode = (int)get_u64(&r);
        p->pid_pid = (int64_t)get_u64(&r);
        p->pid_start = (int64_t)get_u64(&r);
        p->uts_host = (int)get_u64(&r);
        p->cgroupns_host = (int)get_u64(&r);
        p->shm_size = (int64_t)get_u64(&r);
        p->domainname = get_str(&r);
        p->sysctls = get_strv(&r);
        p->oom_score_adj_set = (int)get_u64(&r);
        p->oom_score_adj = (int)(int64_t)get_u64(&r);
    }
    p->ipc_fd = p->pid_fd = p->ipc_shm_fd = -1;
    p->netns_fd = -1;
    p->console_fd = -1;
    p->stdin_fd = p->stdout_fd = p->stderr_fd = -1;
    for (int i = 0; i < HIVE_MAX_CGROUPS; i++) p->cgroup_fds[i] = -1;
    if (r.failed || !groups || !m || !rl) { hive_plan_free(p); errno = EINVAL; return -1; }
    return 0;
}
