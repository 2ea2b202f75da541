// The network's kernel side (issue #13): rtnetlink (links, veth pairs,
// bridges, addresses, routes), network namespaces pinned by bind mounts, and
// nftables over nfnetlink — plain C over netlink sockets, no libraries.
// Every function returns 0 (or a count, an fd, an index) on success and
// -errno on failure; `err`/`errlen`, where taken, get a one-line reason.
// HiveNetwork's Netlink, NetNamespace and Firewall wrap these.
#ifndef HIVE_NET_H
#define HIVE_NET_H
#include <stddef.h>
#include <stdint.h>

// ---- rtnetlink (link.c, addr.c). `fd` is a socket from hive_rtnl_open.
// `err` gets the kernel's extended-ack text of a failure ("" if it gave none).

// A NETLINK_ROUTE socket in the caller's namespace (netns_fd < 0) or in the
// namespace netns_fd refers to (opened on a short-lived thread that joins it).
int hive_rtnl_open(int netns_fd);
// A link's index by name; -ENODEV if there is none.
int hive_link_index(int fd, const char *name);
// A bridge (mtu 0: the kernel's default); -EEXIST is returned for an existing one.
int hive_link_add_bridge(int fd, const char *name, uint32_t mtu, char *err, size_t errlen);
// A veth pair: `name` in fd's namespace, `peer` made directly in the namespace
// peer_netns_fd refers to, with peer_mac (6 bytes, or NULL: random). Both ends
// get `mtu` (0: default). With no_ipv6, neither end makes an IPv6 link-local
// address (addr_gen_mode none), which saves the kernel's addrconf work.
int hive_link_add_veth(int fd, const char *name, const char *peer, int peer_netns_fd,
                       const uint8_t *peer_mac, uint32_t mtu, int no_ipv6, char *err, size_t errlen);
// Up (or down), and with master > 0 enslaved to that link (master 0: unchanged);
// ipv6_auto 0/1 sets addr_gen_mode none/eui64 (-1: unchanged) in the same message.
int hive_link_set(int fd, int index, int up, int master, int ipv6_auto, char *err, size_t errlen);
// Deletes a link by name: -ENODEV if there is none.
int hive_link_del(int fd, const char *name, char *err, size_t errlen);

struct hive_link_info {
    int32_t index;
    int32_t master;     // 0: none
    uint32_t flags;     // IFF_*
    uint32_t mtu;
    char name[16];
    char kind[16];      // "bridge", "veth", "" if none
    uint8_t mac[6];     // zero if it has none
};
// Every link: at most `max` into out; returns how many there are (may exceed max).
int hive_link_dump(int fd, struct hive_link_info *out, int max, char *err, size_t errlen);

// An address (family 4 or 6; addr 4 or 16 bytes): v4 with its broadcast
// address, v6 with IFA_F_NODAD (usable at once). -EEXIST for an existing one.
int hive_addr_add(int fd, int index, int family, const uint8_t *addr, int prefix, char *err, size_t errlen);

struct hive_route {
    uint8_t family;     // 4 or 6
    uint8_t prefix;
    uint8_t dst[16];    // the destination (zero: default route)
    int32_t oif;        // 0 if none
};
// A route in the main table: to dst/prefix (dst NULL: the default route), via
// gw (NULL: on-link), out of link `index`. -EEXIST for an existing one.
int hive_route_add(int fd, int family, const uint8_t *dst, int prefix, const uint8_t *gw, int index,
                   char *err, size_t errlen);
// The main table's unicast routes of family (4 or 6); like hive_link_dump.
int hive_route_dump(int fd, int family, struct hive_route *out, int max, char *err, size_t errlen);

// ---- namespaces (ns.c)

struct hive_ns_job;
// Starts a thread that makes a new network namespace, brings lo up in it and
// keeps an fd to it; NULL if the thread could not start.
struct hive_ns_job *hive_ns_prepare(void);
// Waits for it: the namespace's fd (O_CLOEXEC), or -errno (err says which step).
// With rtnl non-NULL, *rtnl gets the NETLINK_ROUTE socket the thread opened in
// the namespace (the caller's to close; saves a thread + setns), else -1.
int hive_ns_take(struct hive_ns_job *job, int *rtnl, char *err, size_t errlen);
// Pins namespace fd at path: the directory made if missing (0700), an empty
// file made there, /proc/self/fd/N bind-mounted on it. On failure nothing stays.
int hive_ns_pin(int fd, const char *path, char *err, size_t errlen);
// Opens a pinned namespace (O_RDONLY|O_CLOEXEC); -EINVAL if it is not a
// network namespace (an nsfs file of type CLONE_NEWNET).
int hive_ns_open(const char *path);
// Lazily unmounts and deletes path; a missing one is fine (0).
int hive_ns_remove(const char *path);

// ---- the caller's namespace (sys.c)

// Writes/reads /proc/sys/<key with dots as slashes> (keys under net. only),
// each component opened O_NOFOLLOW, get: the value without its newline; in
// the namespace netns_fd (on a short-lived thread that joins it), or the
// caller's with netns_fd -1.
int hive_sysctl_set_in(int netns_fd, const char *key, const char *value);
int hive_sysctl_get_in(int netns_fd, const char *key, char *out, size_t outlen);
// Whether proto (6 tcp, 17 udp) port can be bound on addr (family 4 or 6;
// addr NULL: any) now: 1 free, 0 taken, -errno for another failure.
int hive_port_free(int proto, int family, const uint8_t *addr, uint16_t port);

#endif
