// Inside CHiveNet's nftables part: batches built with nlmsg.h's builder and
// sent by nft.c, which the table's contents (nft_table.c, nft_elems.c) use.
#ifndef HIVE_NFT_INTERNAL_H
#define HIVE_NFT_INTERNAL_H
#include "nlmsg.h"
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stddef.h>
#include <stdint.h>

/// What one message of a batch is, for the error naming it.
struct nft_info {
    uint32_t seq;
    const char *what;   // "chain", "set", "element"...
    const char *name;
    long index;         // -1: none
};

struct hive_nft {
    int fd;
    struct nlm m;
    struct nft_info *info;
    size_t count, cap;
    int used;  // something was sent: the socket is bound
};

void nft_batch_begin(hive_nft *h);
/// Opens a message of the batch (type: NFT_MSG_*, family inet), described as
/// `what name` or `what index of name`; nlm_end() closes it.
void nft_msg(hive_nft *h, uint16_t type, uint16_t flags, const char *what, const char *name, long index);
/// Sends the batch; on failure `what` names the first message refused and
/// *index (if given) is its index.
int nft_batch_send(hive_nft *h, long *index, char *what, size_t whatlen);
/// Starts a single request (a get or a dump) of type NFT_MSG_* in h->m.
void nft_request(hive_nft *h, uint16_t type);
/// Closes fd, a bound nfnetlink socket, leaving the kernel's wait at its
/// release to a child process (nft_release.c).
void nft_release_fd(int fd);

#endif
