// rtnetlink links: bridges, veth pairs (the peer made directly in another
// namespace), up/down and master, deletion, the link dump. See hive_net.h.
#include "hive_net.h"
#include "nlmsg.h"
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

int hive_rtnl_open(int netns_fd) { return nl_open(NETLINK_ROUTE, netns_fd); }

static int name_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;
    return n > 0 && n < IFNAMSIZ && !strchr(name, '/') && !strchr(name, ' ');
}

// A message about link `index` (0: by name), flags to set within `change`.
static struct ifinfomsg *link_msg(struct nlm *m, uint16_t type, uint16_t flags, int index) {
    if (!nlm_begin(m, type, flags)) return NULL;
    struct ifinfomsg *ifi = nlm_put(m, sizeof *ifi);
    if (ifi) { ifi->ifi_family = AF_UNSPEC; ifi->ifi_index = index; }
    return ifi;
}

static int finish(int fd, struct nlm *m, char *err, size_t errlen) {
    int rc = nl_request(fd, m, err, errlen);
    nlm_free(m);
    return rc;
}

// IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } }: whether the kernel
// makes IPv6 link-local addresses on the link.
static void put_addr_gen_mode(struct nlm *m, int on) {
    size_t spec = nlm_nest(m, IFLA_AF_SPEC);
    size_t in6 = nlm_nest(m, AF_INET6);
    nlm_attr_u8(m, IFLA_INET6_ADDR_GEN_MODE, on ? IN6_ADDR_GEN_MODE_EUI64 : IN6_ADDR_GEN_MODE_NONE);
    nlm_nest_end(m, in6);
    nlm_nest_end(m, spec);
}

// BIG TCP for IPv4 on both ends of every veth pair: a TCP sender in a
// container builds super-packets of up to 192 KiB instead of 64 KiB, so the
// veths, the bridge, br_netfilter, conntrack and nftables run once per
// 192 KiB (docs/networking.md has the figures). A packet leaving by a link
// with a smaller limit is segmented there by the kernel. Not on bridges: a
// bridge without ports refuses more than 64 KiB (its TSO limit is its
// ports'). Linux >= 6.3; older kernels ignore attributes they do not know
// (the numbers are from linux/if_link.h, newer than the build's headers).
#define HIVE_BIG_TCP_SIZE (192u * 1024)
enum { HIVE_IFLA_GSO_IPV4_MAX_SIZE = 63, HIVE_IFLA_GRO_IPV4_MAX_SIZE = 64 };

static void put_big_tcp(struct nlm *m) {
    nlm_attr_u32(m, HIVE_IFLA_GSO_IPV4_MAX_SIZE, HIVE_BIG_TCP_SIZE);
    nlm_attr_u32(m, HIVE_IFLA_GRO_IPV4_MAX_SIZE, HIVE_BIG_TCP_SIZE);
}

// A new message for RTM_NEWLINK of `kind` named `name`; returns the open
// IFLA_LINKINFO nest (the caller adds IFLA_INFO_DATA if any, and closes it).
static size_t new_link(struct nlm *m, const char *name, uint32_t mtu, const char *kind) {
    nlm_init(m);
    link_msg(m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    nlm_attr_str(m, IFLA_IFNAME, name);
    if (mtu) nlm_attr_u32(m, IFLA_MTU, mtu);
    size_t info = nlm_nest(m, IFLA_LINKINFO);
    nlm_attr_str(m, IFLA_INFO_KIND, kind);
    return info;
}

struct index_ctx { int index; };
static int index_cb(const struct nlmsghdr *h, void *ctx) {
    if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return 0;
    ((struct index_ctx *)ctx)->index = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
    return 1;
}

int hive_link_index(int fd, const char *name) {
    if (!name_ok(name)) return -EINVAL;
    struct nlm m;
    nlm_init(&m);
    link_msg(&m, RTM_GETLINK, 0, 0);
    nlm_attr_str(&m, IFLA_IFNAME, name);
    nlm_attr_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    struct index_ctx ctx = {0};
    int rc = nl_request_cb(fd, &m, index_cb, &ctx, NULL, 0);
    nlm_free(&m);
    if (rc < 0) return rc;
    return ctx.index > 0 ? ctx.index : -ENODEV;
}

int hive_link_add_bridge(int fd, const char *name, uint32_t mtu, char *err, size_t errlen) {
    if (!name_ok(name)) return -EINVAL;
    struct nlm m;
    nlm_nest_end(&m, new_link(&m, name, mtu, "bridge"));
    return finish(fd, &m, err, errlen);
}

int hive_link_add_veth(int fd, const char *name, const char *peer, int peer_netns_fd,
                       const uint8_t *peer_mac, uint32_t mtu, int no_ipv6, char *err, size_t errlen) {
    if (!name_ok(name) || !name_ok(peer)) return -EINVAL;
    struct nlm m;
    size_t info = new_link(&m, name, mtu, "veth");
    size_t data = nlm_nest(&m, IFLA_INFO_DATA);
    size_t p = nlm_nest(&m, VETH_INFO_PEER);
    // The peer's attributes follow its own ifinfomsg (16 bytes: still aligned).
    struct ifinfomsg *pi = nlm_put(&m, sizeof *pi);
    if (pi) pi->ifi_family = AF_UNSPEC;
    nlm_attr_str(&m, IFLA_IFNAME, peer);
    if (peer_netns_fd >= 0) nlm_attr_u32(&m, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
    if (peer_mac) nlm_attr(&m, IFLA_ADDRESS, peer_mac, 6);
    if (mtu) nlm_attr_u32(&m, IFLA_MTU, mtu);
    put_big_tcp(&m);
    nlm_nest_end(&m, p);
    nlm_nest_end(&m, data);
    nlm_nest_end(&m, info);
    nlm_end(&m);
    // The kernel takes no IFLA_AF_SPEC when it makes a link, and leaves this
    // end's GSO limit at 64 KiB whatever the request says (the peer's is
    // taken): a second message in the same send sets both on this end (the
    // peer's addr_gen_mode is set in its namespace).
    link_msg(&m, RTM_NEWLINK, 0, 0);
    nlm_attr_str(&m, IFLA_IFNAME, name);
    put_big_tcp(&m);
    if (no_ipv6) put_addr_gen_mode(&m, 0);
    return finish(fd, &m, err, errlen);
}

int hive_link_set(int fd, int index, int up, int master, int ipv6_auto, char *err, size_t errlen) {
    if (index <= 0) return -ENODEV;
    struct nlm m;
    nlm_init(&m);
    struct ifinfomsg *ifi = link_msg(&m, RTM_NEWLINK, 0, index);
    if (ifi) { ifi->ifi_change = IFF_UP; ifi->ifi_flags = up ? IFF_UP : 0; }
    if (master > 0) nlm_attr_u32(&m, IFLA_MASTER, (uint32_t)master);
    if (ipv6_auto >= 0) put_addr_gen_mode(&m, ipv6_auto);
    return finish(fd, &m, err, errlen);
}

int hive_link_del(int fd, const char *name, char *err, size_t errlen) {
    if (!name_ok(name)) return -EINVAL;
    struct nlm m;
    nlm_init(&m);
    link_msg(&m, RTM_DELLINK, 0, 0);
    nlm_attr_str(&m, IFLA_IFNAME, name);
    return finish(fd, &m, err, errlen);
}

struct dump_ctx { struct hive_link_info *out; int max, count; };

static int link_cb(const struct nlmsghdr *h, void *arg) {
    struct dump_ctx *ctx = arg;
    if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return 0;
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    if (ctx->count < ctx->max) {
        struct hive_link_info *l = &ctx->out[ctx->count];
        memset(l, 0, sizeof *l);
        l->index = ifi->ifi_index;
        l->flags = ifi->ifi_flags;
        const struct nlattr *tb[IFLA_MAX + 1];
        nl_msg_attrs(h, sizeof *ifi, tb, IFLA_MAX);
        nl_str(tb[IFLA_IFNAME], l->name, sizeof l->name);
        l->master = (int32_t)nl_u32(tb[IFLA_MASTER]);
        l->mtu = nl_u32(tb[IFLA_MTU]);
        if (tb[IFLA_ADDRESS] && nl_len(tb[IFLA_ADDRESS]) == 6) memcpy(l->mac, nl_data(tb[IFLA_ADDRESS]), 6);
        if (tb[IFLA_LINKINFO]) {
            const struct nlattr *info[IFLA_INFO_MAX + 1];
            nl_attrs(nl_data(tb[IFLA_LINKINFO]), nl_len(tb[IFLA_LINKINFO]), info, IFLA_INFO_MAX);
            nl_str(info[IFLA_INFO_KIND], l->kind, sizeof l->kind);
        }
    }
    ctx->count++;
    return 0;
}

int hive_link_dump(int fd, struct hive_link_info *out, int max, char *err, size_t errlen) {
    struct nlm m;
    nlm_init(&m);
    link_msg(&m, RTM_GETLINK, 0, 0);
    nlm_attr_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    struct dump_ctx ctx = {out, max, 0};
    int rc = nl_dump(fd, &m, link_cb, &ctx, err, errlen);
    nlm_free(&m);
    return rc < 0 ? rc : ctx.count;
}
