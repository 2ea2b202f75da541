// The elements networks and published ports add to hive's nftables table
// (see include/hive_nft.h): one message per element, so the kernel's error
// names the element it refused.
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/// One element: a key (fields padded to 4 bytes, as registers hold them) and, in a map, a value.
struct elem {
    const char *set;
    uint8_t key[40], data[20];
    uint32_t keylen, datalen;
};

enum op { OP_ADD, OP_DEL };

static void elem_msg(hive_nft *h, const char *table, enum op op, const struct elem *e, long index) {
    struct nlm *b = &h->m;
    nft_msg(h, op == OP_DEL ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, op == OP_DEL ? 0 : NLM_F_CREATE, "element",
            e->set, index);
    nlm_attr_str(b, NFTA_SET_ELEM_LIST_TABLE, table);
    nlm_attr_str(b, NFTA_SET_ELEM_LIST_SET, e->set);
    size_t list = nlm_nest(b, NFTA_SET_ELEM_LIST_ELEMENTS);
    size_t one = nlm_nest(b, NFTA_LIST_ELEM);
    size_t k = nlm_nest(b, NFTA_SET_ELEM_KEY);
    nlm_attr(b, NFTA_DATA_VALUE, e->key, e->keylen);
    nlm_nest_end(b, k);
    if (op != OP_DEL && e->datalen) {
        size_t d = nlm_nest(b, NFTA_SET_ELEM_DATA);
        nlm_attr(b, NFTA_DATA_VALUE, e->data, e->datalen);
        nlm_nest_end(b, d);
    }
    nlm_nest_end(b, one);
    nlm_nest_end(b, list);
    nlm_end(&h->m);
}

// Sends the elements in one batch (all or none). A delete that finds some
// gone is redone one element at a time, skipping those.
static int send_elems(hive_nft *h, const char *table, enum op op, const struct elem *e, size_t n, const long *index,
                      size_t *failed, char *what, size_t whatlen) {
    nft_batch_begin(h);
    for (size_t i = 0; i < n; i++) elem_msg(h, table, op, &e[i], index ? index[i] : (long)i);
    long at = -1;
    int err = nft_batch_send(h, &at, what, whatlen);
    if (err && failed && at >= 0) *failed = (size_t)at;
    int skip = op == OP_DEL ? -ENOENT : 0;
    if (!err || err != skip || n == 1) return err == skip ? 0 : err;
    for (size_t i = 0; i < n; i++) {
        nft_batch_begin(h);
        elem_msg(h, table, op, &e[i], index ? index[i] : (long)i);
        err = nft_batch_send(h, NULL, what, whatlen);
        if (err && err != skip) {
            if (failed && (!index || index[i] >= 0)) *failed = index ? (size_t)index[i] : i;
            return err;
        }
    }
    return 0;
}

static void put_ifname(uint8_t *key, const char *name) { strncpy((char *)key, name, IFNAMSIZ - 1); }

int hive_nft_network(hive_nft *h, const char *table, int add, const char *bridge, int internal,
                     char *what, size_t whatlen) {
    if (strlen(bridge) >= IFNAMSIZ) return -EINVAL;
    struct elem e[4] = {{.set = "bridges", .keylen = IFNAMSIZ},
                        {.set = "same", .keylen = 2 * IFNAMSIZ},
                        {.set = internal ? "internal" : "nat", .keylen = IFNAMSIZ},
                        {.set = internal ? "nat" : "internal", .keylen = IFNAMSIZ}};
    for (int i = 0; i < 4; i++) put_ifname(e[i].key, bridge);
    put_ifname(e[1].key + IFNAMSIZ, bridge);
    return send_elems(h, table, add ? OP_ADD : OP_DEL, e, add ? 3 : 4, NULL, NULL, what, whatlen);
}

// A port's element: its map, key and value (see the header's layout).
static struct elem port_elem(const struct hive_nft_port *p) {
    struct elem e = {0};
    uint32_t alen = p->family == 4 ? 4 : 16, at = 0;
    e.set = p->family == 4 ? (p->has_host ? "ports4a" : "ports4") : (p->has_host ? "ports6a" : "ports6");
    if (p->has_host) {
        memcpy(e.key, p->host_addr, alen);
        at = alen;
    }
    e.key[at] = p->proto;
    uint16_t hport = htons(p->host_port), port = htons(p->port);
    memcpy(e.key + at + 4, &hport, 2);
    e.keylen = at + 8;
    memcpy(e.data, p->addr, alen);
    memcpy(e.data + alen, &port, 2);
    e.datalen = alen + 4;
    return e;
}

// The target's element of self4/self6 (masquerade when it reaches itself through a published port).
static struct elem self_elem(const struct hive_nft_port *p) {
    struct elem e = {0};
    uint32_t alen = p->family == 4 ? 4 : 16;
    e.set = p->family == 4 ? "self4" : "self6";
    memcpy(e.key, p->addr, alen);
    memcpy(e.key + alen, p->addr, alen);
    e.keylen = 2 * alen;
    return e;
}

// Deleting elements leaves the kernel freeing them after an RCU grace
// period (8-20 ms here), and releasing any nfnetlink socket waits for that
// work: hive_nft_close leaves it to a child process (nft_release.c).
int hive_nft_ports(hive_nft *h, const char *table, int add, const struct hive_nft_port *ports, size_t n,
                   size_t *failed, char *what, size_t whatlen) {
    if (n == 0) return 0;
    struct elem *e = calloc(2 * n, sizeof *e);
    long *index = calloc(2 * n, sizeof *index);
    if (!e || !index) { free(e); free(index); return -ENOMEM; }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        index[m] = (long)i;
        e[m++] = port_elem(&ports[i]);
        if (i == 0 || ports[i].family != ports[i - 1].family ||
            memcmp(ports[i].addr, ports[i - 1].addr, ports[i].family == 4 ? 4 : 16)) {
            index[m] = -1;
            e[m++] = self_elem(&ports[i]);
        }
    }
    int err = send_elems(h, table, add ? OP_ADD : OP_DEL, e, m, index, failed, what, whatlen);
    free(e);
    free(index);
    return err;
}

// Reading the maps back ----------------------------------------------------

struct listing {
    struct hive_nft_port *out;
    size_t cap, count;
    uint8_t family, by_host;
};

// The value inside a nested nft_data attribute (NFTA_DATA_VALUE); NULL if absent.
static const struct nlattr *value(const struct nlattr *a) {
    if (!a) return NULL;
    const struct nlattr *tb[NFTA_DATA_MAX + 1];
    nl_attrs(nl_data(a), nl_len(a), tb, NFTA_DATA_MAX);
    return tb[NFTA_DATA_VALUE];
}

static int each_element(const struct nlmsghdr *r, void *ctx) {
    struct listing *l = ctx;
    const struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1];
    nl_msg_attrs(r, sizeof(struct nfgenmsg), tb, NFTA_SET_ELEM_LIST_MAX);
    const struct nlattr *list = tb[NFTA_SET_ELEM_LIST_ELEMENTS];
    if (!list) return 0;
    uint32_t alen = l->family == 4 ? 4 : 16, at = l->by_host ? alen : 0;
    const char *p = nl_data(list);
    size_t n = nl_len(list);
    while (n >= NLA_HDRLEN) {
        const struct nlattr *a = (const struct nlattr *)p;
        if (a->nla_len < NLA_HDRLEN || a->nla_len > n) break;
        const struct nlattr *el[NFTA_SET_ELEM_MAX + 1];
        nl_attrs(nl_data(a), nl_len(a), el, NFTA_SET_ELEM_MAX);
        const struct nlattr *k = value(el[NFTA_SET_ELEM_KEY]), *d = value(el[NFTA_SET_ELEM_DATA]);
        if (k && d && nl_len(k) == at + 8 && nl_len(d) == alen + 4) {
            if (l->count < l->cap) {
                const uint8_t *kb = nl_data(k), *db = nl_data(d);
                struct hive_nft_port *o = &l->out[l->count];
                uint16_t hport, port;
                memset(o, 0, sizeof *o);
                o->family = l->family;
                o->has_host = l->by_host;
                memcpy(o->host_addr, kb, at);
                o->proto = kb[at];
                memcpy(&hport, kb + at + 4, 2);
                memcpy(o->addr, db, alen);
                memcpy(&port, db + alen, 2);
                o->host_port = ntohs(hport);
                o->port = ntohs(port);
            }
            l->count++;
        }
        size_t step = NLA_ALIGN(a->nla_len);
        if (step >= n) break;
        p += step;
        n -= step;
    }
    return 0;
}

int hive_nft_list_ports(hive_nft *h, const char *table, struct hive_nft_port *out, size_t cap) {
    static const struct { const char *set; uint8_t family, by_host; } maps[] = {
        {"ports4", 4, 0}, {"ports4a", 4, 1}, {"ports6", 6, 0}, {"ports6a", 6, 1}};
    struct listing l = {out, cap, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        l.family = maps[i].family;
        l.by_host = maps[i].by_host;
        nft_request(h, NFT_MSG_GETSETELEM);
        nlm_attr_str(&h->m, NFTA_SET_ELEM_LIST_TABLE, table);
        nlm_attr_str(&h->m, NFTA_SET_ELEM_LIST_SET, maps[i].set);
        int err = nl_dump(h->fd, &h->m, each_element, &l, NULL, 0);
        if (err == -ENOENT) return 0;
        if (err) return err;
    }
    return (int)l.count;
}
