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

// Filled in by the netlink part (issue #13 groundwork: declarations come with it).

#endif
