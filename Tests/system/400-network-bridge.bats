#!/usr/bin/env bats
# The default bridge (issue #13): a container's own namespace with eth0, an
# address from the bridge's subnet, a default route, outbound NAT, a
# generated /etc/hosts and a working /etc/resolv.conf; --network
# none|host|container:; --internal; 20 concurrent runs; build RUN steps on
# the bridge. Each test runs hive in namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

# in_subnet ADDR CIDR: ADDR lies in CIDR.
in_subnet() { python3 -c 'import ipaddress, sys; sys.exit(ipaddress.ip_address(sys.argv[1]) not in ipaddress.ip_network(sys.argv[2], strict=False))' "$1" "$2"; }

@test "default bridge: eth0 with an address from the bridge's subnet, a default route through it, own name in /etc/hosts" {
    import_run_base
    # detached: the default bridge exists while a container uses it (hive removes it when idle)
    hive run -d --name b1 busybox sleep 60 >/dev/null
    wait_running b1
    run_hive 0 exec b1 sh -c 'echo "links: $(ls /sys/class/net | tr "\n" " ")"; echo "host: $(hostname)"
        ip -4 -o addr show dev eth0; ip route; echo "mtu: $(cat /sys/class/net/eth0/mtu)"; cat /etc/hosts'
    [[ "$output" == *"links: eth0 lo "* ]]
    local addr gw name bridge
    addr=$(echo "$output" | awk '$2 == "eth0" && $3 == "inet" {print $4}')
    gw=$(echo "$output" | awk '$1 == "default" {print $3}')
    name=$(echo "$output" | awk '$1 == "host:" {print $2}')
    [ -n "$addr" ]
    [ -n "$gw" ]
    [ -n "$name" ]
    # the gateway is the bridge's address in the host namespace; the container's address is in its subnet
    bridge=$(hns ip -4 -o addr show dev hive0 | awk '{print $4}')
    [ "$(echo "$bridge" | wc -l)" -eq 1 ]
    [ "${bridge%/*}" = "$gw" ]
    in_subnet "${addr%/*}" "$bridge"
    [ "${addr#*/}" = "${bridge#*/}" ]
    # its own name resolves to its address
    echo "$output" | grep -Eq "^${addr%/*}[[:space:]].*\\b$name\\b"
    echo "$output" | grep -Eq '^127\.0\.0\.1[[:space:]]+localhost'
    # the host's ip_forward is on while a bridge network exists
    [ "$(hns cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
}

@test "default bridge: /etc/resolv.conf has the host's upstream servers (never a loopback stub); --dns/--dns-search/--dns-option" {
    import_run_base
    run_hive 0 run --rm busybox cat /etc/resolv.conf
    local got want
    got=$(echo "$output" | awk '$1 == "nameserver" {print $2}' | tr '\n' ' ')
    [ -n "$got" ]
    [[ " $got" != *" 127."* ]]
    # the host's own non-loopback servers are the container's
    want=$(awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" {print $2}' /etc/resolv.conf | tr '\n' ' ')
    [ -z "$want" ] || [ "$got" = "$want" ]
    # a resolver that answers only through NAT: the upstream host's
    run_hive 0 run --rm --dns "$UP_ADDR" --dns-search example.test --dns-option ndots:2 busybox sh -c 'cat /etc/resolv.conf; nslookup anything.example.test'
    [[ "$output" == *"nameserver $UP_ADDR"* ]]
    echo "$output" | grep -Eq '^search example\.test'
    echo "$output" | grep -Eq '^options .*ndots:2'
    echo "$output" | grep -Eq "^Address: $UP_ADDR"
}

@test "default bridge: outbound NAT reaches an upstream host (TCP and UDP) that has no route back to the container's subnet" {
    import_run_base
    [ -z "$(ups ip route show default)" ]
    run_hive 0 run --rm busybox wget -qO- "http://$UP_ADDR:8000/"
    # the upstream host saw the host's address: masqueraded
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
    run_hive 0 run --rm --dns "$UP_ADDR" busybox nslookup upstream.test
    [[ "$output" == *"Address: $UP_ADDR"* ]]
    # host-gateway: the bridge's address
    run_hive 0 run --rm --add-host gw.test:host-gateway busybox sh -c 'grep gw.test /etc/hosts; ip route'
    local gw
    gw=$(echo "$output" | awk '$1 == "default" {print $3}')
    echo "$output" | grep -Eq "^$gw[[:space:]]+gw\\.test"
}

@test "default bridge: BIG TCP (192 KiB IPv4 GSO) on both veth ends; bulk TCP out through NAT and between containers arrives whole" {
    import_run_base
    hive run -d --name big busybox sleep 60 >/dev/null
    wait_running big
    local pid veth gso
    pid=$(hive inspect -f '{{.State.Pid}}' big)
    veth=$(hns ip -o link show master hive0 | awk -F': ' '{print $2}' | cut -d@ -f1)
    [ -n "$veth" ]
    gso=$(hns python3 "$BATS_TEST_DIRNAME/linkgso.py" lo)
    [ "$gso" != unknown ] || skip "the kernel does not report IFLA_GSO_IPV4_MAX_SIZE (Linux < 6.3)"
    [ "$(hns python3 "$BATS_TEST_DIRNAME/linkgso.py" "$veth")" = 196608 ]
    [ "$(nsenter --net="/proc/$pid/ns/net" python3 "$BATS_TEST_DIRNAME/linkgso.py" eth0)" = 196608 ]
    # the upstream's link keeps the default: what leaves by it is segmented to 64 KiB
    [ "$(ups python3 "$BATS_TEST_DIRNAME/linkgso.py" eth0)" = 65536 ]
    # 16 MiB from a container to a sink on the upstream host, through NAT, and to another container on the bridge
    start_sink "/run/netns/$NS_U" 8001 up
    run_hive 0 run --rm busybox sh -c "dd if=/dev/zero bs=65536 count=256 2>/dev/null | nc $UP_ADDR 8001"
    sink_count up
    [ "$output" = $((16 << 20)) ]
    start_sink "/proc/$pid/ns/net" 8002 peer
    run_hive 0 run --rm busybox sh -c "dd if=/dev/zero bs=65536 count=256 2>/dev/null | nc $(ctr_ip big) 8002"
    sink_count peer
    [ "$output" = $((16 << 20)) ]
}

@test "--network none has only loopback, host shares the host's, container:NAME shares another's" {
    import_run_base
    run_hive 0 run --rm --network none busybox ls /sys/class/net
    [ "$output" = "lo" ]
    run_hive 0 run --rm --network host busybox ls /sys/class/net
    [[ "$output" == *up0* ]]
    hive run -d --name first busybox sleep 60 >/dev/null
    wait_running first
    local a
    a=$(ctr_ip first)
    [ -n "$a" ]
    run_hive 0 run --rm --network container:first busybox ip -4 -o addr show dev eth0
    [[ "$output" == *" $a/"* ]]
    run_hive 0 run --rm --network bridge busybox wget -qO- "http://$UP_ADDR:8000/"
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
}

@test "--internal: containers on it reach each other, not the outside (no default route, nothing reaches upstream)" {
    import_run_base
    run_hive 0 network create --internal inner
    hive run -d --name in1 --network inner busybox sleep 60 >/dev/null
    wait_running in1
    run_hive 0 run --rm --network inner busybox sh -c 'ip route; ping -c1 -W2 in1 >/dev/null && echo peer-ok'
    [[ "$output" != *default* ]]
    [[ "$output" == *peer-ok* ]]
    run ! hive run --rm --network inner busybox timeout 2 wget -q -O- "http://$UP_ADDR:8000/"
    [[ "$output" != *upstream-ok* ]]
}

@test "20 concurrent run -d get 20 distinct addresses, all reachable" {
    import_run_base
    local i pids=()
    for i in $(seq 20); do hive run -d --name "c$i" busybox sleep 120 >/dev/null 2>"$WORK/err.$i" & pids+=($!); done
    # these runs only: a bare `wait` would wait for the upstream server too
    wait "${pids[@]}"
    cat "$WORK"/err.* >&2
    [ "$(hive ps -q | wc -l)" -eq 20 ]
    for i in $(seq 20); do ctr_ip "c$i"; done > "$WORK/addrs"
    [ "$(grep -c . "$WORK/addrs")" -eq 20 ]
    [ "$(sort -u "$WORK/addrs" | wc -l)" -eq 20 ]
    # each answers from the host namespace (busybox's ping: the host may have none)
    while read -r a; do hive run --rm --network host busybox ping -c1 -W2 "$a" >/dev/null; done < "$WORK/addrs"
    # inspect agrees with the kernel
    run_hive 0 inspect -f '{{.NetworkSettings.IPAddress}}' c7
    [ "$output" = "$(sed -n 7p "$WORK/addrs")" ]
}

@test "build: RUN steps use the bridge by default (reaching the upstream host); --network none refuses them" {
    import_run_base
    mkdir -p "$WORK/ctx"
    printf 'FROM busybox\nRUN wget -qO /got http://%s:8000/\nCMD ["cat", "/got"]\n' "$UP_ADDR" > "$WORK/ctx/Dockerfile"
    run_hive 0 build -q -t fetched "$WORK/ctx"
    run_hive 0 run --rm --network none fetched
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
    run hive build --no-cache --network none -t offline "$WORK/ctx"
    [ "$status" -ne 0 ]
    [[ "$output" != *"upstream-ok"* ]]
    run hive image inspect offline
    [ "$status" -ne 0 ]
    # --network host: the step runs in the host namespace, no NAT
    run_hive 0 build -q --no-cache --network host -t hosted "$WORK/ctx"
    run_hive 0 run --rm --network none hosted
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
}
