#!/usr/bin/env python3
"""An "upstream" host for hive's network tests (netns.bash runs it inside a
namespace of its own, on a TEST-NET address). Every reply names the client's
address as the server saw it, so a test can tell NAT from a routed packet.

  netserver.py READY_FILE [--http PORT] [--udp PORT] [--dns PORT]

--http: GET answers "upstream-ok from CLIENT"; --udp: echoes "udp-ok from
CLIENT: PAYLOAD"; --dns: answers every A query with this server's own
address (a resolver that works only if UDP reaches it). The ready file is
written once every socket is bound.
"""
import http.server
import socket
import struct
import sys
import threading


class Http(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("upstream-ok from %s\n" % self.client_address[0]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def udp_echo(sock):
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(b"udp-ok from %s: %s" % (peer[0].encode(), data.strip()), peer)


def dns(sock):
    while True:
        q, peer = sock.recvfrom(512)
        if len(q) < 12:
            continue
        # question: from byte 12 to the end of the name + type + class
        i = 12
        while i < len(q) and q[i] != 0:
            i += q[i] + 1
        question = q[12:i + 5]
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
        own = sock.getsockname()[0]
        answers = b""
        if qtype == 1:
            addr = socket.inet_aton(own if own != "0.0.0.0" else "192.0.2.2")
            answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + addr
        header = q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if answers else 0, 0, 0)
        sock.sendto(header + question + answers, peer)


def main():
    ready, args = sys.argv[1], sys.argv[2:]
    opts = dict(zip(args[::2], args[1::2]))
    threads = []
    if "--http" in opts:
        h = http.server.ThreadingHTTPServer(("0.0.0.0", int(opts["--http"])), Http)
        threads.append(threading.Thread(target=h.serve_forever, daemon=True))
    if "--udp" in opts:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", int(opts["--udp"])))
        threads.append(threading.Thread(target=udp_echo, args=(u,), daemon=True))
    if "--dns" in opts:
        d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        d.bind(("0.0.0.0", int(opts["--dns"])))
        threads.append(threading.Thread(target=dns, args=(d,), daemon=True))
    for t in threads:
        t.start()
    open(ready, "w").close()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
