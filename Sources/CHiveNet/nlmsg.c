// The netlink message builder and transport: see nlmsg.h.
#include "nlmsg.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

// Sequence numbers: unique within the process, so a late reply to an earlier
// request on a reused socket is never taken for this one's.
static uint32_t next_seq(void) {
    static uint32_t seq;
    uint32_t s = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    if (s == 1) {   // first use: start somewhere that differs between processes
        uint32_t base = (uint32_t)time(NULL) << 8;
        __atomic_compare_exchange_n(&seq, &s, base, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        s = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    }
    return s;
}

void nlm_init(struct nlm *m) { memset(m, 0, sizeof *m); }
void nlm_free(struct nlm *m) { free(m->buf); memset(m, 0, sizeof *m); }

// Room for `n` more bytes (aligned); 0 or -1 (sticky failure).
static int grow(struct nlm *m, size_t n) {
    if (m->failed) return -1;
    if (m->len + NLMSG_ALIGN(n) <= m->cap) return 0;
    size_t cap = m->cap ? m->cap : 512;
    while (cap < m->len + NLMSG_ALIGN(n)) cap *= 2;
    char *b = realloc(m->buf, cap);
    if (!b) { m->failed = 1; return -1; }
    memset(b + m->cap, 0, cap - m->cap);
    m->buf = b;
    m->cap = cap;
    return 0;
}

struct nlmsghdr *nlm_hdr(struct nlm *m) { return m->buf ? (struct nlmsghdr *)(m->buf + m->msg) : NULL; }

static struct nlmsghdr *begin(struct nlm *m, uint16_t type, uint16_t flags) {
    if (grow(m, NLMSG_HDRLEN) < 0) return NULL;
    m->msg = m->len;
    struct nlmsghdr *h = (struct nlmsghdr *)(m->buf + m->len);
    memset(h, 0, NLMSG_HDRLEN);
    h->nlmsg_len = NLMSG_HDRLEN;
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | flags;
    h->nlmsg_seq = m->seq = next_seq();
    m->len += NLMSG_HDRLEN;
    return h;
}

struct nlmsghdr *nlm_begin(struct nlm *m, uint16_t type, uint16_t flags) { return begin(m, type, flags | NLM_F_ACK); }
struct nlmsghdr *nlm_begin_noack(struct nlm *m, uint16_t type, uint16_t flags) { return begin(m, type, flags); }

void *nlm_put(struct nlm *m, size_t len) {
    if (grow(m, len) < 0) return NULL;
    void *p = m->buf + m->len;
    memset(p, 0, NLMSG_ALIGN(len));
    m->len += NLMSG_ALIGN(len);
    nlm_hdr(m)->nlmsg_len = (uint32_t)(m->len - m->msg);
    return p;
}

void nlm_attr(struct nlm *m, uint16_t type, const void *data, size_t len) {
    if (grow(m, NLA_HDRLEN + len) < 0) return;
    struct nlattr *a = (struct nlattr *)(m->buf + m->len);
    a->nla_type = type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + len);
    if (len) memcpy((char *)a + NLA_HDRLEN, data, len);
    size_t total = NLA_ALIGN(NLA_HDRLEN + len);
    memset((char *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
    m->len += total;
    nlm_hdr(m)->nlmsg_len = (uint32_t)(m->len - m->msg);
}

void nlm_attr_u8(struct nlm *m, uint16_t type, uint8_t v) { nlm_attr(m, type, &v, 1); }
void nlm_attr_u32(struct nlm *m, uint16_t type, uint32_t v) { nlm_attr(m, type, &v, 4); }
void nlm_attr_be32(struct nlm *m, uint16_t type, uint32_t v) { v = __builtin_bswap32(v); nlm_attr(m, type, &v, 4); }
void nlm_attr_str(struct nlm *m, uint16_t type, const char *s) { nlm_attr(m, type, s, strlen(s) + 1); }

size_t nlm_nest(struct nlm *m, uint16_t type) {
    size_t off = m->len;
    nlm_attr(m, type | NLA_F_NESTED, NULL, 0);
    return off;
}

void nlm_nest_end(struct nlm *m, size_t off) {
    if (m->failed) return;
    struct nlattr *a = (struct nlattr *)(m->buf + off);
    a->nla_len = (uint16_t)(m->len - off);
}

void nlm_end(struct nlm *m) {
    if (!m->failed && m->buf) nlm_hdr(m)->nlmsg_len = (uint32_t)(m->len - m->msg);
}

// ---- sockets

static int open_here(int proto) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (fd < 0) return -errno;
    int one = 1;
    // Best effort: older kernels lack them; errors then carry no text.
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { int e = errno; close(fd); return -e; }
    return fd;
}

struct ns_job { int netns_fd; int (*fn)(void *); void *arg; int result; };

static void *run_in_ns(void *arg) {
    struct ns_job *job = arg;
    // This thread alone joins the namespace, and ends right after.
    if (setns(job->netns_fd, CLONE_NEWNET) < 0) { job->result = -errno; return NULL; }
    job->result = job->fn(job->arg);
    return NULL;
}

int nl_in_netns(int netns_fd, int (*fn)(void *), void *arg) {
    if (netns_fd < 0) return fn(arg);
    struct ns_job job = {netns_fd, fn, arg, -EIO};
    pthread_t t;
    int rc = pthread_create(&t, NULL, run_in_ns, &job);
    if (rc != 0) return -rc;
    pthread_join(t, NULL);
    return job.result;
}

static int open_proto(void *proto) { return open_here(*(int *)proto); }

int nl_open(int proto, int netns_fd) { return nl_in_netns(netns_fd, open_proto, &proto); }

// ---- replies

enum { RECV_SIZE = 65536 };

static int send_all(int fd, struct nlm *m) {
    if (m->failed || !m->buf) return -ENOMEM;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    ssize_t n;
    do n = sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof sa);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if ((size_t)n != m->len) return -EMSGSIZE;
    return 0;
}

static ssize_t recv_one(int fd, char *buf, int flags) {
    ssize_t n;
    do n = recv(fd, buf, RECV_SIZE, flags);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

// The extended-ack text of an error message, into err.
static void ack_text(const struct nlmsghdr *h, char *err, size_t errlen) {
    if (!err || !errlen || !(h->nlmsg_flags & NLM_F_ACK_TLVS)) return;
    const struct nlmsgerr *e = NLMSG_DATA(h);
    size_t off = NLMSG_HDRLEN + sizeof *e;
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
    if (off >= h->nlmsg_len) return;
    const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
    nl_attrs((const char *)h + off, h->nlmsg_len - off, tb, NLMSGERR_ATTR_MAX);
    if (tb[NLMSGERR_ATTR_MSG]) nl_str(tb[NLMSGERR_ATTR_MSG], err, errlen);
}

int nl_request(int fd, struct nlm *m, char *err, size_t errlen) { return nl_request_cb(fd, m, NULL, NULL, err, errlen); }

int nl_request_cb(int fd, struct nlm *m, nl_dump_cb cb, void *ctx, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    int rc = send_all(fd, m);
    if (rc < 0) return rc;
    // The acks to wait for: one per message that asked (a batch's markers do not).
    uint32_t first = 0, last = 0;
    int want = 0;
    for (size_t off = 0; off + NLMSG_HDRLEN <= m->len;) {
        const struct nlmsghdr *h = (const struct nlmsghdr *)(m->buf + off);
        if (h->nlmsg_len < NLMSG_HDRLEN) break;
        if (h->nlmsg_flags & NLM_F_ACK) {
            if (!want) first = h->nlmsg_seq;
            last = h->nlmsg_seq;
            want++;
        }
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
    char *buf = malloc(RECV_SIZE);
    if (!buf) return -ENOMEM;
    int result = 0, stopped = 0;
    // Replies are queued while the kernel handles the send; after an error
    // (a failed batch may not ack the rest) only what is already there is read.
    while (want > 0) {
        ssize_t n = recv_one(fd, buf, result < 0 ? MSG_DONTWAIT : 0);
        if (n < 0) { if (result == 0) result = (int)n; break; }
        int len = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_seq < first || h->nlmsg_seq > last) continue;
            if (h->nlmsg_type != NLMSG_ERROR) {
                if (cb && !stopped && cb(h, ctx)) stopped = 1;
                continue;
            }
            const struct nlmsgerr *e = NLMSG_DATA(h);
            want--;
            if (e->error < 0 && result == 0) { result = e->error; ack_text(h, err, errlen); }
        }
    }
    free(buf);
    return result;
}

int nl_dump(int fd, struct nlm *m, nl_dump_cb cb, void *ctx, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    struct nlmsghdr *req = nlm_hdr(m);
    if (!req) return -ENOMEM;
    req->nlmsg_flags |= NLM_F_DUMP;
    req->nlmsg_flags &= ~NLM_F_ACK;
    uint32_t seq = req->nlmsg_seq;
    int rc = send_all(fd, m);
    if (rc < 0) return rc;
    char *buf = malloc(RECV_SIZE);
    if (!buf) return -ENOMEM;
    int result = 0, done = 0, stopped = 0;
    while (!done) {
        ssize_t n = recv_one(fd, buf, 0);
        if (n < 0) { result = (int)n; break; }
        int len = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_DONE) { done = 1; break; }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error < 0 && result == 0) { result = e->error; ack_text(h, err, errlen); }
                done = 1;
                break;
            }
            if (h->nlmsg_flags & NLM_F_DUMP_INTR && result == 0) result = -EINTR;
            if (!stopped && result == 0) {
                int r = cb(h, ctx);
                if (r) { stopped = 1; result = r; }
            }
        }
    }
    free(buf);
    return result;
}

// ---- parsing

void nl_attrs(const void *data, size_t len, const struct nlattr **tb, unsigned max) {
    memset(tb, 0, (max + 1) * sizeof *tb);
    const char *p = data;
    while (len >= NLA_HDRLEN) {
        const struct nlattr *a = (const struct nlattr *)p;
        if (a->nla_len < NLA_HDRLEN || a->nla_len > len) break;
        unsigned type = a->nla_type & NLA_TYPE_MASK;
        if (type <= max) tb[type] = a;
        size_t step = NLA_ALIGN(a->nla_len);
        if (step >= len) break;
        p += step;
        len -= step;
    }
}

void nl_msg_attrs(const struct nlmsghdr *h, size_t hdrlen, const struct nlattr **tb, unsigned max) {
    size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
    if (h->nlmsg_len < off) { memset(tb, 0, (max + 1) * sizeof *tb); return; }
    nl_attrs((const char *)h + off, h->nlmsg_len - off, tb, max);
}

uint32_t nl_u32(const struct nlattr *a) {
    uint32_t v = 0;
    if (a && nl_len(a) >= 4) memcpy(&v, nl_data(a), 4);
    return v;
}

int nl_str(const struct nlattr *a, char *out, size_t outlen) {
    if (!outlen) return -EINVAL;
    out[0] = 0;
    if (!a) return -EINVAL;
    size_t n = nl_len(a);
    const char *s = nl_data(a);
    size_t k = strnlen(s, n);
    if (k >= outlen) k = outlen - 1;
    memcpy(out, s, k);
    out[k] = 0;
    return 0;
}
