// A small netlink message builder and transport, internal to CHiveNet
// (rtnetlink in link.c/addr.c, nfnetlink in the nftables files).
//
// Building: one growable buffer holds one or more messages (an nftables batch
// is several): nlm_begin() starts a message (its header), nlm_put() reserves
// the family header (ifinfomsg, ifaddrmsg, rtmsg, nfgenmsg: zeroed), nlm_attr*()
// append attributes, nlm_nest()/nlm_nest_end() bracket nested ones, nlm_end()
// closes the message. An allocation failure is sticky (m->failed) and reported
// by nl_request/nl_dump as -ENOMEM, so builders need not check every call.
//
// Transport: nl_request() sends the buffer and waits for the ACK (or error) of
// every message in it that asked for one (NLM_F_ACK, set by nlm_begin), and
// returns the first error (-errno) with the kernel's extended-ack text, if any,
// in `err`. nl_dump() sends one NLM_F_DUMP request and calls `cb` for each
// reply message until NLMSG_DONE.
//
// Every function returning int returns >= 0 on success and -errno on failure.
#ifndef HIVE_NLMSG_H
#define HIVE_NLMSG_H
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct nlm {
    char *buf;
    size_t len, cap;
    size_t msg;         // offset of the message being built
    int failed;         // an allocation failed: the buffer is incomplete
    uint32_t seq;       // the last sequence number given out
};

void nlm_init(struct nlm *m);
void nlm_free(struct nlm *m);
// Starts a message of `type` with NLM_F_REQUEST|NLM_F_ACK|flags; returns its header.
struct nlmsghdr *nlm_begin(struct nlm *m, uint16_t type, uint16_t flags);
// Starts a message without NLM_F_ACK (nfnetlink's batch begin/end markers).
struct nlmsghdr *nlm_begin_noack(struct nlm *m, uint16_t type, uint16_t flags);
// Reserves `len` zeroed bytes (the family header) right after the nlmsghdr; NULL on failure.
void *nlm_put(struct nlm *m, size_t len);
void nlm_attr(struct nlm *m, uint16_t type, const void *data, size_t len);
void nlm_attr_u8(struct nlm *m, uint16_t type, uint8_t v);
void nlm_attr_u32(struct nlm *m, uint16_t type, uint32_t v);
void nlm_attr_be32(struct nlm *m, uint16_t type, uint32_t host_order);
void nlm_attr_str(struct nlm *m, uint16_t type, const char *s);   // with its NUL
// Opens a nested attribute (NLA_F_NESTED set); returns its offset for nlm_nest_end.
size_t nlm_nest(struct nlm *m, uint16_t type);
void nlm_nest_end(struct nlm *m, size_t offset);
// Closes the message begun last (its length).
void nlm_end(struct nlm *m);
// The current message's header (valid until the next append).
struct nlmsghdr *nlm_hdr(struct nlm *m);

// A netlink socket of `proto` (NETLINK_ROUTE, NETLINK_NETFILTER), close-on-exec,
// with extended acks on. With netns_fd >= 0 it is opened in that namespace, on
// a short-lived thread that joins it (sockets stay bound to the namespace they
// were made in); the caller's thread never changes namespace.
int nl_open(int proto, int netns_fd);
// Runs fn(arg) on a short-lived thread that joins the namespace netns_fd (the
// caller's thread never changes namespace), or here with netns_fd -1; fn's
// result, or -errno if the thread could not join.
int nl_in_netns(int netns_fd, int (*fn)(void *), void *arg);
// Sends every message in `m`; waits for their ACKs. `err` (may be NULL) gets
// the kernel's extended-ack text of the first error, or "" if none.
int nl_request(int fd, struct nlm *m, char *err, size_t errlen);
// The same, passing every reply that is not an ACK (a get's answer, an echo)
// to `cb` (see nl_dump_cb; non-zero stops the calls, not the waiting).
typedef int (*nl_dump_cb)(const struct nlmsghdr *h, void *ctx);
int nl_request_cb(int fd, struct nlm *m, nl_dump_cb cb, void *ctx, char *err, size_t errlen);
// One dump request (m holds one message; NLM_F_DUMP is added). `cb` returns
// 0 to go on, non-zero to stop (that value is returned after draining).
int nl_dump(int fd, struct nlm *m, nl_dump_cb cb, void *ctx, char *err, size_t errlen);

// Parsing: fills tb[0...max] with the attributes in [data, data+len) by type
// (later duplicates win; unknown types above max are skipped).
void nl_attrs(const void *data, size_t len, const struct nlattr **tb, unsigned max);
// The attributes after a message's family header of `hdrlen` bytes.
void nl_msg_attrs(const struct nlmsghdr *h, size_t hdrlen, const struct nlattr **tb, unsigned max);
static inline const void *nl_data(const struct nlattr *a) { return (const char *)a + NLA_HDRLEN; }
static inline size_t nl_len(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }
uint32_t nl_u32(const struct nlattr *a);
// A string attribute copied into out (NUL-terminated, truncated); 0, or -EINVAL if absent.
int nl_str(const struct nlattr *a, char *out, size_t outlen);

#endif
