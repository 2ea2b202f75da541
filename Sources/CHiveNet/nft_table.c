// The contents of hive's nftables table (see include/hive_nft.h): its sets,
// chains and rules, made in one batch, and the elements that networks and
// published ports add. Encoded as nft 1.0 encodes the same ruleset (the set
// user data too), so `nft list` shows it as written in the header.
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

// Sets ---------------------------------------------------------------------

// nft's user data (byte order and key types, TLVs) for how `nft list` prints them.
static const uint8_t UD_IFNAME[] = {0, 4, 1, 0, 0, 0};
static const uint8_t UD_CONCAT[] = {0, 4, 0, 0, 0, 0, 3, 8, 0, 4, 0x0d, 0, 0, 0, 1, 0};
static const uint8_t UD_MAP[] = {0, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 3, 8, 0, 4, 0x0d, 0, 0, 0, 1, 0,
                                 4, 8, 0, 4, 0x0d, 0, 0, 0, 1, 0, 6, 4, 0, 0, 0, 0};

// nft's type numbers: ifname 41, ipv4_addr 7, ipv6_addr 8, inet_proto 12,
// inet_service 13; a concatenation packs them 6 bits each.
#define T_IFNAME 41u
#define T_V4 7u
#define T_V6 8u
#define T_PROTO 12u
#define T_SERVICE 13u
#define CAT2(a, b) ((a) << 6 | (b))
#define CAT3(a, b, c) ((a) << 12 | (b) << 6 | (c))

static const struct setdef {
    const char *name;
    uint32_t flags, keytype, keylen, datatype, datalen;
    const uint8_t *ud;
    size_t udlen;
} SETS[] = {
    {"bridges", 0, T_IFNAME, IFNAMSIZ, 0, 0, UD_IFNAME, sizeof UD_IFNAME},
    {"nat", 0, T_IFNAME, IFNAMSIZ, 0, 0, UD_IFNAME, sizeof UD_IFNAME},
    {"internal", 0, T_IFNAME, IFNAMSIZ, 0, 0, UD_IFNAME, sizeof UD_IFNAME},
    {"same", 0, CAT2(T_IFNAME, T_IFNAME), 2 * IFNAMSIZ, 0, 0, UD_CONCAT, sizeof UD_CONCAT},
    {"ports4", NFT_SET_MAP, CAT2(T_PROTO, T_SERVICE), 8, CAT2(T_V4, T_SERVICE), 8, UD_MAP, sizeof UD_MAP},
    {"ports4a", NFT_SET_MAP, CAT3(T_V4, T_PROTO, T_SERVICE), 12, CAT2(T_V4, T_SERVICE), 8, UD_MAP, sizeof UD_MAP},
    {"ports6", NFT_SET_MAP, CAT2(T_PROTO, T_SERVICE), 8, CAT2(T_V6, T_SERVICE), 20, UD_MAP, sizeof UD_MAP},
    {"ports6a", NFT_SET_MAP, CAT3(T_V6, T_PROTO, T_SERVICE), 24, CAT2(T_V6, T_SERVICE), 20, UD_MAP, sizeof UD_MAP},
    {"self4", 0, CAT2(T_V4, T_V4), 8, 0, 0, UD_CONCAT, sizeof UD_CONCAT},
    {"self6", 0, CAT2(T_V6, T_V6), 32, 0, 0, UD_CONCAT, sizeof UD_CONCAT},
};
#define NSETS (sizeof SETS / sizeof SETS[0])

static uint32_t set_id(const char *name) {
    for (uint32_t i = 0; i < NSETS; i++)
        if (!strcmp(SETS[i].name, name)) return i + 1;
    return 0;
}

// Expressions --------------------------------------------------------------

struct expr { size_t elem, data; };

static struct expr expr_begin(struct nlm *b, const char *name) {
    struct expr e;
    e.elem = nlm_nest(b, NFTA_LIST_ELEM);
    nlm_attr_str(b, NFTA_EXPR_NAME, name);
    e.data = nlm_nest(b, NFTA_EXPR_DATA);
    return e;
}

static void expr_end(struct nlm *b, struct expr e) {
    nlm_nest_end(b, e.data);
    nlm_nest_end(b, e.elem);
}

static void meta(struct nlm *b, uint32_t key, uint32_t dreg) {
    struct expr e = expr_begin(b, "meta");
    nlm_attr_be32(b, NFTA_META_KEY, key);
    nlm_attr_be32(b, NFTA_META_DREG, dreg);
    expr_end(b, e);
}

static void cmp(struct nlm *b, uint32_t op, const void *data, size_t len) {
    struct expr e = expr_begin(b, "cmp");
    nlm_attr_be32(b, NFTA_CMP_SREG, NFT_REG_1);
    nlm_attr_be32(b, NFTA_CMP_OP, op);
    size_t d = nlm_nest(b, NFTA_CMP_DATA);
    nlm_attr(b, NFTA_DATA_VALUE, data, len);
    nlm_nest_end(b, d);
    expr_end(b, e);
}

static void payload(struct nlm *b, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
    struct expr e = expr_begin(b, "payload");
    nlm_attr_be32(b, NFTA_PAYLOAD_DREG, dreg);
    nlm_attr_be32(b, NFTA_PAYLOAD_BASE, base);
    nlm_attr_be32(b, NFTA_PAYLOAD_OFFSET, offset);
    nlm_attr_be32(b, NFTA_PAYLOAD_LEN, len);
    expr_end(b, e);
}

static void lookup(struct nlm *b, const char *set, uint32_t dreg, int invert) {
    struct expr e = expr_begin(b, "lookup");
    nlm_attr_be32(b, NFTA_LOOKUP_SREG, NFT_REG_1);
    if (dreg) nlm_attr_be32(b, NFTA_LOOKUP_DREG, dreg);
    nlm_attr_str(b, NFTA_LOOKUP_SET, set);
    nlm_attr_be32(b, NFTA_LOOKUP_SET_ID, set_id(set));
    if (invert) nlm_attr_be32(b, NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    expr_end(b, e);
}

// `iifname @set` / `oifname @set` (or `!= @set`).
static void ifname_in(struct nlm *b, uint32_t key, const char *set, int invert) {
    meta(b, key, NFT_REG_1);
    lookup(b, set, 0, invert);
}

static void nfproto(struct nlm *b, uint8_t family) {
    meta(b, NFT_META_NFPROTO, NFT_REG_1);
    cmp(b, NFT_CMP_EQ, &family, 1);
}

// `ct state/status & mask != 0`.
static void ct_any(struct nlm *b, uint32_t key, uint32_t mask) {
    struct expr e = expr_begin(b, "ct");
    nlm_attr_be32(b, NFTA_CT_KEY, key);
    nlm_attr_be32(b, NFTA_CT_DREG, NFT_REG_1);
    expr_end(b, e);
    uint32_t zero = 0;
    e = expr_begin(b, "bitwise");
    nlm_attr_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
    nlm_attr_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
    nlm_attr_be32(b, NFTA_BITWISE_LEN, 4);
    size_t d = nlm_nest(b, NFTA_BITWISE_MASK);
    nlm_attr(b, NFTA_DATA_VALUE, &mask, 4);
    nlm_nest_end(b, d);
    d = nlm_nest(b, NFTA_BITWISE_XOR);
    nlm_attr(b, NFTA_DATA_VALUE, &zero, 4);
    nlm_nest_end(b, d);
    expr_end(b, e);
    cmp(b, NFT_CMP_NEQ, &zero, 4);
}

static void verdict(struct nlm *b, int code, const char *chain) {
    struct expr e = expr_begin(b, "immediate");
    nlm_attr_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    size_t d = nlm_nest(b, NFTA_IMMEDIATE_DATA);
    size_t v = nlm_nest(b, NFTA_DATA_VERDICT);
    nlm_attr_be32(b, NFTA_VERDICT_CODE, (uint32_t)code);
    if (chain) nlm_attr_str(b, NFTA_VERDICT_CHAIN, chain);
    nlm_nest_end(b, v);
    nlm_nest_end(b, d);
    expr_end(b, e);
}

static void masquerade(struct nlm *b) { expr_end(b, expr_begin(b, "masq")); }

// `dnat ipX to [ipX daddr .] meta l4proto . th dport map @set`: the key's
// fields in 32-bit registers from REG32_00 up, the map's value (address .
// port) into REG_1, the port's register right after the address.
static void dnat_by_map(struct nlm *b, uint8_t family, int by_host) {
    uint32_t alen = family == NFPROTO_IPV4 ? 4 : 16;
    uint32_t reg = NFT_REG32_00;
    nfproto(b, family);
    if (by_host) {
        payload(b, NFT_PAYLOAD_NETWORK_HEADER, family == NFPROTO_IPV4 ? 16 : 24, alen, NFT_REG_1);
        reg += alen / 4;
    }
    meta(b, NFT_META_L4PROTO, reg == NFT_REG32_00 ? NFT_REG_1 : reg);
    payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1);
    lookup(b, family == NFPROTO_IPV4 ? (by_host ? "ports4a" : "ports4") : (by_host ? "ports6a" : "ports6"),
           NFT_REG_1, 0);
    struct expr e = expr_begin(b, "nat");
    nlm_attr_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
    nlm_attr_be32(b, NFTA_NAT_FAMILY, family);
    nlm_attr_be32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
    nlm_attr_be32(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG32_00 + alen / 4);
    expr_end(b, e);
}

// The table ----------------------------------------------------------------

static void chain(hive_nft *h, const char *table, const char *name, const char *type, int hook, int prio) {
    nft_msg(h, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "chain", name, -1);
    nlm_attr_str(&h->m, NFTA_CHAIN_TABLE, table);
    nlm_attr_str(&h->m, NFTA_CHAIN_NAME, name);
    if (type) {
        size_t n = nlm_nest(&h->m, NFTA_CHAIN_HOOK);
        nlm_attr_be32(&h->m, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
        nlm_attr_be32(&h->m, NFTA_HOOK_PRIORITY, (uint32_t)prio);
        nlm_nest_end(&h->m, n);
        nlm_attr_be32(&h->m, NFTA_CHAIN_POLICY, NF_ACCEPT);
        nlm_attr_str(&h->m, NFTA_CHAIN_TYPE, type);
    }
    nlm_end(&h->m);
}

static size_t rule_begin(hive_nft *h, const char *table, const char *chain_name, long index) {
    nft_msg(h, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, "rule", chain_name, index);
    nlm_attr_str(&h->m, NFTA_RULE_TABLE, table);
    nlm_attr_str(&h->m, NFTA_RULE_CHAIN, chain_name);
    return nlm_nest(&h->m, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(hive_nft *h, size_t exprs) {
    nlm_nest_end(&h->m, exprs);
    nlm_end(&h->m);
}

int hive_nft_table_exists(hive_nft *h, const char *table) {
    nft_request(h, NFT_MSG_GETTABLE);
    nlm_attr_str(&h->m, NFTA_TABLE_NAME, table);
    int r = nl_request(h->fd, &h->m, NULL, 0);
    return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

int hive_nft_ensure(hive_nft *h, const char *table, char *what, size_t whatlen) {
    // A batch refused as a whole costs the kernel ~10 ms: ask first (~10 us).
    int exists = hive_nft_table_exists(h, table);
    if (exists != 0) return exists < 0 ? exists : 0;
    struct nlm *b = &h->m;
    nft_batch_begin(h);
    nft_msg(h, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, "table inet", table, -1);
    nlm_attr_str(b, NFTA_TABLE_NAME, table);
    nlm_attr_be32(b, NFTA_TABLE_FLAGS, 0);
    nlm_end(&h->m);
    for (size_t i = 0; i < NSETS; i++) {
        const struct setdef *s = &SETS[i];
        nft_msg(h, NFT_MSG_NEWSET, NLM_F_CREATE, s->flags & NFT_SET_MAP ? "map" : "set", s->name, -1);
        nlm_attr_str(b, NFTA_SET_TABLE, table);
        nlm_attr_str(b, NFTA_SET_NAME, s->name);
        nlm_attr_be32(b, NFTA_SET_FLAGS, s->flags);
        nlm_attr_be32(b, NFTA_SET_KEY_TYPE, s->keytype);
        nlm_attr_be32(b, NFTA_SET_KEY_LEN, s->keylen);
        if (s->flags & NFT_SET_MAP) {
            nlm_attr_be32(b, NFTA_SET_DATA_TYPE, s->datatype);
            nlm_attr_be32(b, NFTA_SET_DATA_LEN, s->datalen);
        }
        nlm_attr_be32(b, NFTA_SET_ID, (uint32_t)i + 1);
        nlm_attr(b, NFTA_SET_USERDATA, s->ud, s->udlen);
        nlm_end(&h->m);
    }
    chain(h, table, "ports", NULL, 0, 0);
    chain(h, table, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
    chain(h, table, "output", "nat", NF_INET_LOCAL_OUT, -100);
    chain(h, table, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
    chain(h, table, "forward", "filter", NF_INET_FORWARD, 0);

    static const struct { uint8_t family; int by_host; } dnats[] = {
        {NFPROTO_IPV4, 1}, {NFPROTO_IPV4, 0}, {NFPROTO_IPV6, 1}, {NFPROTO_IPV6, 0}};
    for (int i = 0; i < 4; i++) {
        size_t r = rule_begin(h, table, "ports", i + 1);
        dnat_by_map(b, dnats[i].family, dnats[i].by_host);
        rule_end(h, r);
    }
    static const char *const local_chains[] = {"prerouting", "output"};
    for (int i = 0; i < 2; i++) {
        size_t r = rule_begin(h, table, local_chains[i], 1);
        struct expr e = expr_begin(b, "fib");
        nlm_attr_be32(b, NFTA_FIB_DREG, NFT_REG_1);
        nlm_attr_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
        nlm_attr_be32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
        expr_end(b, e);
        uint32_t local = RTN_LOCAL;
        cmp(b, NFT_CMP_EQ, &local, 4);
        verdict(b, NFT_JUMP, "ports");
        rule_end(h, r);
    }

    // postrouting
    size_t r = rule_begin(h, table, "postrouting", 1);
    ifname_in(b, NFT_META_OIFNAME, "bridges", 0);
    nfproto(b, NFPROTO_IPV4);
    payload(b, NFT_PAYLOAD_NETWORK_HEADER, 12, 1, NFT_REG_1);
    uint8_t loopback = 127;
    cmp(b, NFT_CMP_EQ, &loopback, 1);
    masquerade(b);
    rule_end(h, r);
    r = rule_begin(h, table, "postrouting", 2);
    ifname_in(b, NFT_META_IIFNAME, "bridges", 0);
    ifname_in(b, NFT_META_OIFNAME, "bridges", 0);
    ct_any(b, NFT_CT_STATUS, IPS_DST_NAT);
    masquerade(b);
    rule_end(h, r);
    for (int v6 = 0; v6 < 2; v6++) {  // a container to its own published port (bridged: no iif)
        r = rule_begin(h, table, "postrouting", 3 + v6);
        ct_any(b, NFT_CT_STATUS, IPS_DST_NAT);
        nfproto(b, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
        payload(b, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG_1);
        payload(b, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, v6 ? NFT_REG_2 : NFT_REG32_01);
        lookup(b, v6 ? "self6" : "self4", 0, 0);
        masquerade(b);
        rule_end(h, r);
    }
    r = rule_begin(h, table, "postrouting", 5);
    ifname_in(b, NFT_META_IIFNAME, "nat", 0);
    ifname_in(b, NFT_META_OIFNAME, "bridges", 1);
    masquerade(b);
    rule_end(h, r);

    // forward
    long n = 0;
    r = rule_begin(h, table, "forward", ++n);
    ct_any(b, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
    verdict(b, NF_ACCEPT, NULL);
    rule_end(h, r);
    r = rule_begin(h, table, "forward", ++n);
    meta(b, NFT_META_IIFNAME, NFT_REG_1);
    meta(b, NFT_META_OIFNAME, NFT_REG_2);
    lookup(b, "same", 0, 0);
    verdict(b, NF_ACCEPT, NULL);
    rule_end(h, r);
    // The rest, in order: iifname @iif, oifname @oif (NULL: any), ct status dnat, verdict.
    static const struct { const char *iif, *oif; int dnat, code; } rest[] = {
        {"internal", NULL, 0, NF_DROP},    // internal networks: nothing leaves...
        {NULL, "internal", 0, NF_DROP},    // ...or enters
        {"bridges", "bridges", 0, NF_DROP},  // from one network to another (its own was accepted above)
        {"bridges", NULL, 0, NF_ACCEPT},   // out to the world
        {NULL, "bridges", 1, NF_ACCEPT},   // in to a published port
        {NULL, "bridges", 0, NF_DROP},     // in to anything else
    };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        r = rule_begin(h, table, "forward", ++n);
        if (rest[i].iif) ifname_in(b, NFT_META_IIFNAME, rest[i].iif, 0);
        if (rest[i].oif) ifname_in(b, NFT_META_OIFNAME, rest[i].oif, 0);
        if (rest[i].dnat) ct_any(b, NFT_CT_STATUS, IPS_DST_NAT);
        verdict(b, rest[i].code, NULL);
        rule_end(h, r);
    }

    int err = nft_batch_send(h, NULL, what, whatlen);
    return err == -EEXIST ? 0 : err;  // made by someone else meanwhile: the batch is all or nothing
}

int hive_nft_delete_table(hive_nft *h, const char *table, char *what, size_t whatlen) {
    nft_batch_begin(h);
    nft_msg(h, NFT_MSG_DELTABLE, 0, "table inet", table, -1);
    nlm_attr_str(&h->m, NFTA_TABLE_NAME, table);
    nlm_end(&h->m);
    int err = nft_batch_send(h, NULL, what, whatlen);
    return err == -ENOENT ? 0 : err;
}
