#!/usr/bin/env python3
"""linkgso.py IFNAME: prints the link's IPv4 GSO limit (IFLA_GSO_IPV4_MAX_SIZE,
Linux >= 6.3) in the caller's network namespace, over rtnetlink: the
iproute2 of Debian 12 does not show it. Prints "unknown" if the kernel
does not report it."""
import os
import socket
import struct
import sys

RTM_GETLINK, NLM_F_REQUEST, NLMSG_ERROR = 18, 1, 2
IFLA_IFNAME, IFLA_GSO_IPV4_MAX_SIZE = 3, 63

name = sys.argv[1].encode() + b"\0"
attr = struct.pack("HH", 4 + len(name), IFLA_IFNAME) + name + b"\0" * (-len(name) % 4)
body = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0) + attr
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(struct.pack("IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST, 1, 0) + body)
reply = s.recv(65536)
length, kind = struct.unpack("IH", reply[:6])
if kind == NLMSG_ERROR:
    sys.exit("%s: %s" % (sys.argv[1], os.strerror(-struct.unpack("i", reply[16:20])[0])))
off = 16 + 16  # nlmsghdr, ifinfomsg
while off + 4 <= length:
    alen, atype = struct.unpack("HH", reply[off:off + 4])
    if alen < 4:
        break
    if atype & 0x3FFF == IFLA_GSO_IPV4_MAX_SIZE:
        print(struct.unpack("I", reply[off + 4:off + 8])[0])
        sys.exit(0)
    off += (alen + 3) & ~3
print("unknown")
