#!/usr/bin/env python3
"""An "upstream" host for hive's network tests (netns.bash runs it inside a
namespace of its own, on a TEST-NET address). Every reply names the client's
address as the server saw it, so a test can tell NAT from a routed packet.

  netserver.py READY_FILE [--http PORT] [--udp PORT] [--dns PORT] [--tcp PORT]

--http: GET answers "upstream-ok from CLIENT"; --udp: echoes "udp-ok from
CLIENT: PAYLOAD"; --dns: answers every A query with this server's own
address (a resolver that works only if UDP reaches it); --tcp: a sink that
reads until EOF and answers the byte count (throughput). The ready file is
written once every socket is bound.
"""
import http.server
import socket
import socketserver
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


class ThreadedHTTP(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


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


def tcp_sink(srv):
    while True:
        conn, _ = srv.accept()

        def serve(c):
            n = 0
            while True:
                b = c.recv(1 << 20)
                if not b:
                    break
                n += len(b)
            c.sendall(b"%d\n" % n)
            c.close()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main():
    ready, args = sys.argv[1], sys.argv[2:]
    opts = dict(zip(args[::2], args[1::2]))
    threads = []
    if "--http" in opts:
        h = ThreadedHTTP(("0.0.0.0", int(opts["--http"])), Http)
        threads.append(threading.Thread(target=h.serve_forever, daemon=True))
    if "--udp" in opts:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", int(opts["--udp"])))
        threads.append(threading.Thread(target=udp_echo, args=(u,), daemon=True))
    if "--dns" in opts:
        d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        d.bind((opts.get("--dns-addr", "0.0.0.0"), int(opts["--dns"])))
        threads.append(threading.Thread(target=dns, args=(d,), daemon=True))
    if "--tcp" in opts:
        t = socket.socket()
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("0.0.0.0", int(opts["--tcp"])))
        t.listen(16)
        threads.append(threading.Thread(target=tcp_sink, args=(t,), daemon=True))
    for t in threads:
        t.start()
    open(ready, "w").close()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
