// hive's nftables table over nfnetlink: see include/hive_nft.h. The socket,
// batches and their replies; the table's contents are in nft_table.c.
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

hive_nft *hive_nft_open(int netnsfd, int *error) {
    hive_nft *h = calloc(1, sizeof *h);
    if (!h) { *error = -ENOMEM; return NULL; }
    int self = -1;
    if (netnsfd >= 0) {
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0 || setns(netnsfd, CLONE_NEWNET) < 0) {
            *error = -errno;
            if (self >= 0) close(self);
            free(h);
            return NULL;
        }
    }
    h->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    int saved = errno;
    if (self >= 0) {
        // Back to the thread's own namespace; a thread left elsewhere would be worse than dying.
        if (setns(self, CLONE_NEWNET) < 0) abort();
        close(self);
    }
    if (h->fd < 0) { *error = -saved; free(h); return NULL; }
    int one = 1, big = 1 << 20;
    setsockopt(h->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    socklen_t sl = sizeof sa;
    if (bind(h->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || getsockname(h->fd, (struct sockaddr *)&sa, &sl) < 0) {
        *error = -errno;
        hive_nft_close(h);
        return NULL;
    }
    h->portid = sa.nl_pid;
    h->seq = (uint32_t)getpid() << 8;
    return h;
}

void hive_nft_close(hive_nft *h) {
    if (!h) return;
    if (h->fd >= 0) close(h->fd);
    free(h->msg.buf);
    free(h->info);
    free(h);
}

// Builder ------------------------------------------------------------------

static int grow(struct nft_buf *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    uint8_t *p = realloc(b->buf, cap);
    if (!p) { b->oom = 1; return -1; }
    b->buf = p;
    b->cap = cap;
    return 0;
}

void nft_attr(struct nft_buf *b, uint16_t type, const void *data, size_t len) {
    size_t total = NLA_ALIGN(NLA_HDRLEN + len);
    if (grow(b, total) < 0) return;
    struct nlattr *a = (struct nlattr *)(b->buf + b->len);
    a->nla_len = (uint16_t)(NLA_HDRLEN + len);
    a->nla_type = type;
    if (len) memcpy(b->buf + b->len + NLA_HDRLEN, data, len);
    memset(b->buf + b->len + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
    b->len += total;
}

void nft_u32(struct nft_buf *b, uint16_t type, uint32_t v) {
    uint32_t be = htonl(v);
    nft_attr(b, type, &be, 4);
}

void nft_str(struct nft_buf *b, uint16_t type, const char *s) { nft_attr(b, type, s, strlen(s) + 1); }

size_t nft_nest(struct nft_buf *b, uint16_t type) {
    size_t at = b->len;
    nft_attr(b, type | NLA_F_NESTED, NULL, 0);
    return at;
}

void nft_nest_end(struct nft_buf *b, size_t at) {
    if (!b->oom) ((struct nlattr *)(b->buf + at))->nla_len = (uint16_t)(b->len - at);
}

static void msg_header(hive_nft *h, uint16_t type, uint16_t flags, uint8_t family, uint16_t resid) {
    struct nft_buf *b = &h->msg;
    h->at = b->len;
    if (grow(b, NLMSG_HDRLEN + sizeof(struct nfgenmsg)) < 0) return;
    struct nlmsghdr *n = (struct nlmsghdr *)(b->buf + b->len);
    n->nlmsg_len = 0;
    n->nlmsg_type = type;
    n->nlmsg_flags = NLM_F_REQUEST | flags;
    n->nlmsg_seq = ++h->seq;
    n->nlmsg_pid = 0;
    struct nfgenmsg *g = (struct nfgenmsg *)(b->buf + b->len + NLMSG_HDRLEN);
    g->nfgen_family = family;
    g->version = NFNETLINK_V0;
    g->res_id = htons(resid);
    b->len += NLMSG_HDRLEN + sizeof(struct nfgenmsg);
}

static void msg_end(hive_nft *h) {
    if (!h->msg.oom) ((struct nlmsghdr *)(h->msg.buf + h->at))->nlmsg_len = (uint32_t)(h->msg.len - h->at);
}

void nft_batch_begin(hive_nft *h) {
    h->msg.len = 0;
    h->msg.oom = 0;
    h->count = 0;
    msg_header(h, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    msg_end(h);
    h->first = h->seq + 1;
}

void nft_msg(hive_nft *h, uint16_t type, uint16_t flags, const char *what, const char *name, long index) {
    if (h->count == h->infocap) {
        size_t cap = h->infocap ? h->infocap * 2 : 64;
        struct nft_info *p = realloc(h->info, cap * sizeof *p);
        if (!p) { h->msg.oom = 1; return; }
        h->info = p;
        h->infocap = cap;
    }
    h->info[h->count++] = (struct nft_info){what, name, index};
    msg_header(h, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags, NFPROTO_INET, 0);
}

void nft_msg_end(hive_nft *h) { msg_end(h); }

static void describe(hive_nft *h, uint32_t seq, char *what, size_t whatlen) {
    if (!what || !whatlen) return;
    if (seq < h->first || seq - h->first >= h->count) { snprintf(what, whatlen, "batch"); return; }
    struct nft_info *i = &h->info[seq - h->first];
    if (i->index >= 0) snprintf(what, whatlen, "%s %ld of %s", i->what, i->index, i->name);
    else snprintf(what, whatlen, "%s %s", i->what, i->name);
}

// Sends the batch (NLM_F_ACK on its last message) and reads every reply; the
// kernel answers before sendmsg returns, so the queue is drained without waiting.
int nft_batch_send(hive_nft *h, uint32_t *failed_seq, char *what, size_t whatlen) {
    if (h->count == 0) return 0;
    struct nlmsghdr *last = (struct nlmsghdr *)(h->msg.buf + h->at);
    last->nlmsg_flags |= NLM_F_ACK;
    uint32_t last_seq = last->nlmsg_seq;
    msg_header(h, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    msg_end(h);
    if (h->msg.oom) return -ENOMEM;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(h->fd, h->msg.buf, h->msg.len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
    int err = 0, acked = 0;
    uint8_t rbuf[8192];
    for (;;) {
        ssize_t n = recv(h->fd, rbuf, sizeof rbuf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            return -errno;
        }
        for (struct nlmsghdr *r = (struct nlmsghdr *)rbuf; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
            if (r->nlmsg_type != NLMSG_ERROR) continue;
            struct nlmsgerr *e = NLMSG_DATA(r);
            if (e->msg.nlmsg_seq < h->first || e->msg.nlmsg_seq > last_seq) continue;  // a stale reply
            if (e->error == 0) { if (e->msg.nlmsg_seq == last_seq) acked = 1; continue; }
            if (err == 0) {
                err = e->error;
                if (failed_seq) *failed_seq = e->msg.nlmsg_seq;
                describe(h, e->msg.nlmsg_seq, what, whatlen);
            }
        }
    }
    if (err) return err;
    if (!acked) { if (what) snprintf(what, whatlen, "batch (no answer from nf_tables)"); return -EPROTO; }
    return 0;
}

int nft_index_of(hive_nft *h, uint32_t seq) {
    return seq >= h->first && seq - h->first < h->count ? (int)h->info[seq - h->first].index : -1;
}

// Requests ------------------------------------------------------------------

// Sends one request (a dump or a get) and hands each reply to `each`; 0 at the
// end, or the kernel's -errno.
int nft_request(hive_nft *h, uint16_t type, uint16_t flags, const char *table, const char *set,
                void (*each)(const struct nlmsghdr *, void *), void *ctx) {
    h->msg.len = 0;
    h->msg.oom = 0;
    msg_header(h, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags & NLM_F_DUMP ? flags : flags | NLM_F_ACK,
               NFPROTO_INET, 0);
    nft_str(&h->msg, 1, table);  // NFTA_TABLE_NAME, NFTA_SET_ELEM_LIST_TABLE
    if (set) nft_str(&h->msg, NFTA_SET_ELEM_LIST_SET, set);
    msg_end(h);
    if (h->msg.oom) return -ENOMEM;
    uint32_t seq = h->seq;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(h->fd, h->msg.buf, h->msg.len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
    static __thread uint8_t rbuf[32768];
    for (;;) {
        ssize_t n = recv(h->fd, rbuf, sizeof rbuf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        for (struct nlmsghdr *r = (struct nlmsghdr *)rbuf; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
            if (r->nlmsg_seq != seq) continue;
            if (r->nlmsg_type == NLMSG_DONE) return 0;
            if (r->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(r);
                if (e->error || !(flags & NLM_F_DUMP)) return e->error;
                continue;
            }
            if (each) each(r, ctx);
        }
    }
}
