// Inside CHiveNet's nftables part: the message builder and batch transport
// (nft.c) that the table's contents (nft_table.c) are written with.
#ifndef HIVE_NFT_INTERNAL_H
#define HIVE_NFT_INTERNAL_H
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

struct nft_buf {
    uint8_t *buf;
    size_t len, cap;
    int oom;
};

/// What each message of a batch is, for the error naming it.
struct nft_info {
    const char *what;   // "chain", "set", "element"...
    const char *name;
    long index;         // -1: none
};

struct hive_nft {
    int fd;
    uint32_t portid, seq;
    struct nft_buf msg;
    size_t at;                  // the open message's offset
    uint32_t first;             // the batch's first message's seq
    struct nft_info *info;
    size_t count, infocap;
};

void nft_attr(struct nft_buf *b, uint16_t type, const void *data, size_t len);
void nft_u32(struct nft_buf *b, uint16_t type, uint32_t v);
void nft_str(struct nft_buf *b, uint16_t type, const char *s);
size_t nft_nest(struct nft_buf *b, uint16_t type);
void nft_nest_end(struct nft_buf *b, size_t at);

void nft_batch_begin(hive_nft *h);
/// Opens a message of the batch (type: NFT_MSG_*), described as `what name` or `what index of name`.
void nft_msg(hive_nft *h, uint16_t type, uint16_t flags, const char *what, const char *name, long index);
void nft_msg_end(hive_nft *h);
int nft_batch_send(hive_nft *h, uint32_t *failed_seq, char *what, size_t whatlen);
/// The index given to the message `seq` of the last batch (-1: none).
int nft_index_of(hive_nft *h, uint32_t seq);
int nft_request(hive_nft *h, uint16_t type, uint16_t flags, const char *table, const char *set,
                void (*each)(const struct nlmsghdr *, void *), void *ctx);

#endif
