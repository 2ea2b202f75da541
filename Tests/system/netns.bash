# Network namespaces for hive's network tests (issue #13). Load after
# helpers.bash: `load helpers; load netns`, and use net_setup/net_teardown as
# the file's setup/teardown.
#
# Every test gets two namespaces of its own, removed afterwards:
#   HOST  ($NS_H) where every `hive` command of the test runs ($HIVE becomes a
#         wrapper that enters it): hive's bridges, veths, nftables table and
#         ip_forward live here, so tests never see each other's (nor the
#         machine's) network;
#   UP    ($NS_U) an "upstream" host, 192.0.2.2/24 on a veth to HOST's
#         192.0.2.1 (TEST-NET-1), with no route back to any container subnet
#         (a reply reaches a container only through hive's NAT), running
#         netserver.py: HTTP :8000, UDP echo :9000, DNS :53.
# Deleting the namespaces removes whatever hive left in them; the tests check
# what hive left *before* that (assert_net_clean).

UP_ADDR=192.0.2.2
HOST_UP_ADDR=192.0.2.1

# helpers.bash's setup (the test's store), kept under another name: the test
# file's own setup() calls net_setup.
eval "store_setup() $(declare -f setup | tail -n +2)"

net_setup() {
    store_setup
    NS_H=hvh$$
    NS_U=hvu$$
    ip netns add "$NS_H"
    ip netns add "$NS_U"
    hns ip link set lo up
    ups ip link set lo up
    hns ip link add up0 type veth peer name eth0 netns "$NS_U"
    hns ip addr add "$HOST_UP_ADDR/24" dev up0
    hns ip link set up0 up
    ups ip addr add "$UP_ADDR/24" dev eth0
    ups ip link set eth0 up
    REAL_HIVE=$HIVE
    HIVE=$WORK/hive
    printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$NS_H" "$REAL_HIVE" > "$HIVE"
    chmod 0755 "$HIVE"
    start_upstream
}

net_teardown() {
    teardown_containers
    [ -n "${PODMAN_ROOT:-}" ] && { hns podman --root "$PODMAN_ROOT" --runroot "$PODMAN_ROOT.run" rm -af -t 0 >/dev/null 2>&1 || true
        umount -R "$PODMAN_ROOT" 2>/dev/null; rm -rf "$PODMAN_ROOT" "$PODMAN_ROOT.run" 2>/dev/null || true; }
    ip netns del "$NS_U" 2>/dev/null || true
    ip netns del "$NS_H" 2>/dev/null || true
}

# Commands in the test's HOST namespace, or on the upstream host.
hns() { nsenter --net="/run/netns/$NS_H" "$@"; }
ups() { nsenter --net="/run/netns/$NS_U" "$@"; }

# netserver.py on the upstream host (stopped by the teardown through servers.pids;
# background processes close bats' fd 3, or bats waits for them).
start_upstream() {
    # nsenter itself (it execs python3), not the `ups` function: $! is then the server,
    # which the teardown's kill reaches (a function runs in a subshell that kill leaves it)
    nsenter --net="/run/netns/$NS_U" python3 "$BATS_TEST_DIRNAME/netserver.py" "$WORK/upstream.ready" --http 8000 --udp 9000 --dns 53 \
        >"$WORK/upstream.log" 2>&1 3>&- &
    echo $! >> "$WORK/servers.pids"
    for _ in $(seq 100); do [ -f "$WORK/upstream.ready" ] && return 0; sleep 0.05; done
    echo "the upstream server did not start: $(cat "$WORK/upstream.log")" >&2
    return 1
}

# http_get NS URL: the body, or a failure within 3 s.
http_get() {
    local ns=$1; shift
    nsenter --net="/run/netns/$ns" curl -sS --max-time 3 "$@"
}

# wait_http NS URL: until URL answers (5 s), then prints the body.
wait_http() {
    local ns=$1 url=$2
    for _ in $(seq 50); do
        nsenter --net="/run/netns/$ns" curl -s --max-time 1 "$url" && return 0
        sleep 0.1
    done
    echo "nothing answered $url from $ns" >&2
    return 1
}

# udp_ask NS ADDR PORT PAYLOAD: sends one datagram, prints the reply (2 s).
udp_ask() {
    nsenter --net="/run/netns/$1" python3 - "$2" "$3" "$4" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recvfrom(65535)[0].decode())
except socket.timeout:
    sys.exit(1)
PY
}

# listen_tcp PORT: a python listener on 0.0.0.0:PORT in HOST (stopped by the teardown).
listen_tcp() {
    nsenter --net="/run/netns/$NS_H" python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); open(sys.argv[2], "w").close(); time.sleep(600)' "$1" "$WORK/listen.$1" >/dev/null 2>&1 3>&- &
    echo $! >> "$WORK/servers.pids"
    for _ in $(seq 100); do [ -f "$WORK/listen.$1" ] && return 0; sleep 0.05; done
    return 1
}

# start_sink NETNS PORT NAME: a TCP sink in the namespace at path NETNS that
# writes the byte count of one connection to $WORK/NAME.count; sink_count NAME
# waits for that count (10 s) and leaves it in $output.
start_sink() {
    nsenter --net="$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2] + ".ready", "w").close()
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
open(sys.argv[2] + ".count", "w").write(str(n))' "$2" "$WORK/$3" 3>&- &
    echo $! >> "$WORK/servers.pids"
    for _ in $(seq 100); do [ -f "$WORK/$3.ready" ] && return 0; sleep 0.05; done
    return 1
}
sink_count() {
    for _ in $(seq 200); do [ -s "$WORK/$1.count" ] && break; sleep 0.05; done
    output=$(cat "$WORK/$1.count")
}

# ctr_ip CTR [IFACE]: the container's IPv4 address on IFACE (eth0), as the kernel has it.
ctr_ip() {
    "$HIVE" exec "$1" ip -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1
}

# wait_running CTR: until `hive exec` works in it (5 s).
wait_running() {
    for _ in $(seq 50); do "$HIVE" exec "$1" true 2>/dev/null && return 0; sleep 0.1; done
    echo "$1 is not running" >&2
    return 1
}

# db_rows TABLE: rows of a state-database table.
db_rows() {
    python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("select count(*) from " + sys.argv[2]).fetchone()[0])' \
        "$HIVE_ROOT/hive.db" "$1"
}

# Links in HOST (names without @peer), one line.
# hive's veths in HOST (up0, the test's link upstream, is a veth too), one a line.
hive_veths() { hns ip -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); if ($2 != "up0") print $2}'; }

host_links() { hns ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' '; }

# Nothing of hive's is left in HOST or the store: no bridge or veth (only lo
# and up0 remain), no address but lo's and up0's, no nftables table, no
# namespace pinned under $HIVE_RUNROOT/netns, no endpoint or published port.
assert_net_clean() {
    local links addrs n
    links=$(host_links)
    [ "$links" = "lo up0 " ] || { echo "links left: $links" >&2; hns ip -o link show >&2; return 1; }
    addrs=$(hns ip -o addr show | awk '{print $4}' | grep -v -e '^127\.0\.0\.1/' -e '^::1/' -e "^$HOST_UP_ADDR/" -e '^fe80:' | tr '\n' ' ')
    [ -z "$addrs" ] || { echo "addresses left: $addrs" >&2; return 1; }
    [ -z "$(hns nft list tables 2>/dev/null)" ] || { echo "nftables tables left:" >&2; hns nft list tables >&2; return 1; }
    n=$(ls -A "$HIVE_RUNROOT/netns" 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] || { echo "namespace pins left: $(ls -A "$HIVE_RUNROOT/netns")" >&2; return 1; }
    n=$(grep -c " $HIVE_RUNROOT/" /proc/self/mountinfo || true)
    [ "$n" -eq 0 ] || { echo "mounts left under $HIVE_RUNROOT: $n" >&2; return 1; }
    if [ -f "$HIVE_ROOT/hive.db" ]; then
        n=$(db_rows endpoints); [ "$n" -eq 0 ] || { echo "endpoint rows left: $n" >&2; return 1; }
        n=$(db_rows published_ports); [ "$n" -eq 0 ] || { echo "published port rows left: $n" >&2; return 1; }
    fi
}

# A one-line error: exactly one line of output that contains each argument.
assert_one_line_error() {
    [ "${#lines[@]}" -eq 1 ] || { echo "expected one line, got:" >&2; echo "$output" >&2; return 1; }
    local want
    for want in "$@"; do
        [[ "$output" == *"$want"* ]] || { echo "expected \"$want\" in: $output" >&2; return 1; }
    done
}
