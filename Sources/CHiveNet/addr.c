// rtnetlink addresses and routes: add an address (v4 with its broadcast, v6
// without duplicate address detection), add a route, dump the routes of the
// main table. See hive_net.h.
#include "hive_net.h"
#include "nlmsg.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

static int family_of(int family, size_t *len) {
    if (family == 4) { *len = 4; return AF_INET; }
    if (family == 6) { *len = 16; return AF_INET6; }
    return -1;
}

int hive_addr_add(int fd, int index, int family, const uint8_t *addr, int prefix, char *err, size_t errlen) {
    size_t alen;
    int af = family_of(family, &alen);
    if (af < 0 || !addr || prefix < 0 || prefix > (int)alen * 8) return -EINVAL;
    if (index <= 0) return -ENODEV;
    struct nlm m;
    nlm_init(&m);
    nlm_begin(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    struct ifaddrmsg *ifa = nlm_put(&m, sizeof *ifa);
    if (ifa) {
        ifa->ifa_family = (uint8_t)af;
        ifa->ifa_prefixlen = (uint8_t)prefix;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t)index;
        if (af == AF_INET6) ifa->ifa_flags = IFA_F_NODAD;
    }
    nlm_attr(&m, IFA_LOCAL, addr, alen);
    nlm_attr(&m, IFA_ADDRESS, addr, alen);
    if (af == AF_INET && prefix < 31) {
        uint8_t brd[4];
        for (int i = 0; i < 4; i++) {
            int bits = prefix - i * 8;
            uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
            brd[i] = addr[i] | (uint8_t)~mask;
        }
        nlm_attr(&m, IFA_BROADCAST, brd, 4);
    }
    if (af == AF_INET6) nlm_attr_u32(&m, IFA_FLAGS, IFA_F_NODAD);
    int rc = nl_request(fd, &m, err, errlen);
    nlm_free(&m);
    return rc;
}

int hive_route_add(int fd, int family, const uint8_t *dst, int prefix, const uint8_t *gw, int index,
                   char *err, size_t errlen) {
    size_t alen;
    int af = family_of(family, &alen);
    if (af < 0 || prefix < 0 || prefix > (int)alen * 8) return -EINVAL;
    if (!dst) prefix = 0;
    struct nlm m;
    nlm_init(&m);
    nlm_begin(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    struct rtmsg *rt = nlm_put(&m, sizeof *rt);
    if (rt) {
        rt->rtm_family = (uint8_t)af;
        rt->rtm_dst_len = (uint8_t)prefix;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rt->rtm_type = RTN_UNICAST;
    }
    if (dst) nlm_attr(&m, RTA_DST, dst, alen);
    if (gw) nlm_attr(&m, RTA_GATEWAY, gw, alen);
    if (index > 0) nlm_attr_u32(&m, RTA_OIF, (uint32_t)index);
    int rc = nl_request(fd, &m, err, errlen);
    nlm_free(&m);
    return rc;
}

struct route_ctx { struct hive_route *out; int max, count, af; };

static int route_cb(const struct nlmsghdr *h, void *arg) {
    struct route_ctx *ctx = arg;
    if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg))) return 0;
    const struct rtmsg *rt = NLMSG_DATA(h);
    if (rt->rtm_family != ctx->af || rt->rtm_type != RTN_UNICAST) return 0;
    const struct nlattr *tb[RTA_MAX + 1];
    nl_msg_attrs(h, sizeof *rt, tb, RTA_MAX);
    uint32_t table = tb[RTA_TABLE] ? nl_u32(tb[RTA_TABLE]) : rt->rtm_table;
    if (table != RT_TABLE_MAIN) return 0;
    if (ctx->count < ctx->max) {
        struct hive_route *r = &ctx->out[ctx->count];
        memset(r, 0, sizeof *r);
        r->family = ctx->af == AF_INET ? 4 : 6;
        r->prefix = rt->rtm_dst_len;
        size_t alen = ctx->af == AF_INET ? 4 : 16;
        if (tb[RTA_DST] && nl_len(tb[RTA_DST]) >= alen) memcpy(r->dst, nl_data(tb[RTA_DST]), alen);
        r->oif = (int32_t)nl_u32(tb[RTA_OIF]);
    }
    ctx->count++;
    return 0;
}

int hive_route_dump(int fd, int family, struct hive_route *out, int max, char *err, size_t errlen) {
    size_t alen;
    int af = family_of(family, &alen);
    if (af < 0) return -EINVAL;
    struct nlm m;
    nlm_init(&m);
    nlm_begin(&m, RTM_GETROUTE, 0);
    struct rtmsg *rt = nlm_put(&m, sizeof *rt);
    if (rt) rt->rtm_family = (uint8_t)af;
    struct route_ctx ctx = {out, max, 0, af};
    int rc = nl_dump(fd, &m, route_cb, &ctx, err, errlen);
    nlm_free(&m);
    return rc < 0 ? rc : ctx.count;
}
