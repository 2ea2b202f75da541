// hive's nftables table over nfnetlink, hand-encoded (no libnftnl/libmnl, no
// `nft` binary): one table of family inet whose chains never change after it
// is made; networks and published ports are elements of its sets and maps.
//
//   set bridges  { type ifname }                   every hive bridge
//   set nat      { type ifname }                   bridges whose traffic is masqueraded
//   set internal { type ifname }                   internal networks' bridges
//   set same     { type ifname . ifname }          "br" . "br": routed back onto its own bridge
//   map ports4   { inet_proto . inet_service : ipv4_addr . inet_service }   -p HPORT:CPORT
//   map ports4a  { ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }  -p IP:HPORT:CPORT
//   map ports6 / ports6a: the same for IPv6
//   set self4    { type ipv4_addr . ipv4_addr }    "cip" . "cip": a container reaching its own published port
//   set self6    { type ipv6_addr . ipv6_addr }
//   chain ports       dnat by the maps (specific host address first)
//   chain prerouting  nat, dstnat:  fib daddr type local jump ports
//   chain output      nat, -100:    fib daddr type local jump ports (the host itself, 127.0.0.1 too)
//   chain postrouting nat, srcnat:  oifname @bridges ip saddr 127.0.0.0/8 masquerade
//                                   iifname @bridges oifname @bridges ct status dnat masquerade (hairpin)
//                                   ct status dnat ip saddr . ip daddr @self4 masquerade (and ip6 @self6)
//                                   iifname @nat oifname != @bridges masquerade
//   chain forward     filter, 0:    ct state established,related accept
//                                   iifname . oifname @same accept
//                                   iifname @internal drop; oifname @internal drop
//                                   iifname @bridges oifname @bridges drop  (isolation)
//                                   iifname @bridges accept
//                                   oifname @bridges ct status dnat accept; oifname @bridges drop
//
// Functions return 0 (or a count) on success and -errno on failure; `what`
// (when given) names the object the kernel refused: "chain forward",
// "element 2 of map ports4"...
#ifndef HIVE_NFT_H
#define HIVE_NFT_H
#include <stddef.h>
#include <stdint.h>

typedef struct hive_nft hive_nft;

/// An nfnetlink socket in the caller's namespace (netnsfd < 0) or in the
/// namespace netnsfd refers to (opened on a short-lived thread that joins
/// it; the caller's thread never changes namespace). NULL with *error = -errno on failure.
hive_nft *hive_nft_open(int netnsfd, int *error);
/// Closes the socket without waiting: the release of a socket that sent
/// anything waits for nf_tables' pending destroy work (an RCU grace period,
/// 8-20 ms, after any delete by anyone), so a child process holding only the
/// socket takes the last reference and that wait (nft_release.c).
void hive_nft_close(hive_nft *h);

/// 1 if the table exists, 0 if not, -errno.
int hive_nft_table_exists(hive_nft *h, const char *table);
/// Makes the whole table (sets, maps, chains, rules) in one atomic batch;
/// 0 if made or if it existed already (a concurrent maker is fine).
int hive_nft_ensure(hive_nft *h, const char *table, char *what, size_t whatlen);
/// Deletes the table and everything in it; a missing one is fine.
int hive_nft_delete_table(hive_nft *h, const char *table, char *what, size_t whatlen);

/// Adds a network's bridge to the sets (bridges, same, and nat or internal);
/// an element already there is fine. With add = 0 removes it from every set;
/// elements already gone are fine.
int hive_nft_network(hive_nft *h, const char *table, int add, const char *bridge, int internal,
                     char *what, size_t whatlen);

/// One published port: host_port (on host_addr when has_host, else every
/// local address) to addr:port. Ports in host byte order; addresses in
/// network order (4 bytes used for family 4).
struct hive_nft_port {
    uint8_t family;     // 4 or 6
    uint8_t proto;      // IPPROTO_TCP, IPPROTO_UDP
    uint8_t has_host;
    uint16_t host_port;
    uint16_t port;
    uint8_t host_addr[16];
    uint8_t addr[16];
};

/// Adds (add = 1) the ports as map elements in one batch (with each target's
/// element of self4/self6), all or none: the same element again is fine, a
/// key mapped elsewhere fails with -EEXIST and *failed = its index. Deletes
/// (add = 0) them by key; elements already gone are fine. A delete leaves the
/// kernel work to finish after an RCU grace period (8-20 ms here) that a
/// socket's release waits for: hive_nft_close leaves that wait to a child.
int hive_nft_ports(hive_nft *h, const char *table, int add, const struct hive_nft_port *ports, size_t n,
                   size_t *failed, char *what, size_t whatlen);
/// The published ports in the table's maps: fills up to `cap`, returns how many there are.
int hive_nft_list_ports(hive_nft *h, const char *table, struct hive_nft_port *out, size_t cap);

#endif
