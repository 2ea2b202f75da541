// hive's nftables table over nfnetlink: see include/hive_nft.h. The socket
// and batches (built with nlmsg.h); the table's contents are in nft_table.c
// and nft_elems.c.
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

hive_nft *hive_nft_open(int netnsfd, int *error) {
    hive_nft *h = calloc(1, sizeof *h);
    if (!h) { *error = -ENOMEM; return NULL; }
    h->fd = nl_open(NETLINK_NETFILTER, netnsfd);
    if (h->fd < 0) { *error = h->fd; free(h); return NULL; }
    nlm_init(&h->m);
    // A batch refused as a whole (no nf_tables at all) is answered for its
    // header only: a reply that never comes is an error, not a hang.
    struct timeval tv = {.tv_sec = 5};
    setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int big = 1 << 20;  // a batch is one datagram: room for a long -p range
    if (setsockopt(h->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0)
        setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    return h;
}

void hive_nft_close(hive_nft *h) {
    if (!h) return;
    if (h->used) nft_release_fd(h->fd);  // bound: its release may wait for the kernel (nft_release.c)
    else close(h->fd);
    nlm_free(&h->m);
    free(h->info);
    free(h);
}

static void header(struct nlm *m, uint8_t family, uint16_t resid) {
    struct nfgenmsg *g = nlm_put(m, sizeof *g);
    if (!g) return;
    g->nfgen_family = family;
    g->version = NFNETLINK_V0;
    g->res_id = htons(resid);
}

void nft_batch_begin(hive_nft *h) {
    nlm_free(&h->m);
    h->count = 0;
    nlm_begin_noack(&h->m, NFNL_MSG_BATCH_BEGIN, 0);
    header(&h->m, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
}

void nft_msg(hive_nft *h, uint16_t type, uint16_t flags, const char *what, const char *name, long index) {
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct nft_info *p = realloc(h->info, cap * sizeof *p);
        if (!p) { h->m.failed = 1; return; }
        h->info = p;
        h->cap = cap;
    }
    // Each message asks for an ACK: a failed batch answers every message, so
    // the replies tell which one the kernel refused.
    nlm_begin(&h->m, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags);
    header(&h->m, NFPROTO_INET, 0);
    h->info[h->count++] = (struct nft_info){h->m.seq, what, name, index};
}

static const struct nft_info *info_of(hive_nft *h, uint32_t seq) {
    for (size_t i = 0; i < h->count; i++)
        if (h->info[i].seq == seq) return &h->info[i];
    return NULL;
}

// nl_request() waits for every ACK but does not say which message failed;
// this reads the replies itself for that.
int nft_batch_send(hive_nft *h, long *index, char *what, size_t whatlen) {
    if (h->count == 0) return 0;
    nlm_begin_noack(&h->m, NFNL_MSG_BATCH_END, 0);
    header(&h->m, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    if (h->m.failed) return -ENOMEM;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    h->used = 1;
    if (sendto(h->fd, h->m.buf, h->m.len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
    static __thread char buf[16384];
    size_t want = h->count;
    int err = 0;
    while (want > 0) {
        ssize_t n = recv(h->fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN && what) snprintf(what, whatlen, "batch: no answer from nf_tables");
            return err ? err : -errno;
        }
        int len = (int)n;
        for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
            if (r->nlmsg_type != NLMSG_ERROR) continue;
            struct nlmsgerr *e = NLMSG_DATA(r);
            const struct nft_info *i = info_of(h, r->nlmsg_seq);
            if (!i) {  // the batch's header: refused whole (no nf_tables, no memory)
                if (r->nlmsg_seq < h->info[0].seq && e->error) return e->error;
                continue;
            }
            want--;
            if (e->error == 0 || err) continue;
            err = e->error;
            if (index) *index = i->index;
            if (!what || !whatlen) continue;
            if (i->index >= 0) snprintf(what, whatlen, "%s %ld of %s", i->what, i->index, i->name);
            else snprintf(what, whatlen, "%s %s", i->what, i->name);
        }
    }
    return err;
}

void nft_request(hive_nft *h, uint16_t type) {
    h->used = 1;
    nlm_free(&h->m);
    nlm_begin(&h->m, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), 0);
    header(&h->m, NFPROTO_INET, 0);
}
