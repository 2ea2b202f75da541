#!/usr/bin/env bats
# Peers on the same host (issue #13): podman's bridge containers (Debian's
# podman 4.3, CNI, its rules in iptables' tables) keep working while hive's
# run, reach a hive container's published port, and hive never touches
# their tables. Each test runs hive and podman in namespaces of its own
# (netns.bash).
load helpers
load netns

setup() {
    net_setup
    PODMAN_ROOT=$(mktemp -d /tmp/hive-podman.XXXXXX)
    P="podman --root $PODMAN_ROOT --runroot $PODMAN_ROOT.run --storage-driver overlay"
}
teardown() { net_teardown; }

# Every nftables table but hive's, stateless (no counters), as text.
other_tables() {
    hns nft -s list ruleset | python3 -c '
import sys
out, skip = [], False
for line in sys.stdin:
    if line.startswith("table "):
        skip = line.split()[1:3] == ["inet", "hive"]
    if not skip:
        out.append(line)
sys.stdout.write("".join(out))'
}

@test "podman's bridge containers keep working beside hive's, reach a hive published port, and their tables are untouched" {
    command -v podman >/dev/null || skip "podman is not installed"
    import_run_base
    hns $P import -q "$(base_tar)" docker.io/library/busybox:latest >/dev/null
    # podman alone first: its NAT to the upstream host works
    run hns $P run --rm --network bridge busybox timeout 3 wget -q -O- "http://$UP_ADDR:8000/"
    [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
    local before
    before=$(other_tables)
    [ -n "$before" ]
    # hive beside it: a published port and outbound NAT
    hive run -d --name web -p 8095:80 busybox sh -c 'mkdir /w; echo hive-web > /w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:8095/"
    [ "$output" = hive-web ]
    run_hive 0 run --rm busybox timeout 3 wget -q -O- "http://$UP_ADDR:8000/"
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
    # podman's container reaches the upstream host and hive's published port
    run hns $P run --rm --network bridge busybox sh -c "timeout 3 wget -q -O- http://$UP_ADDR:8000/; timeout 3 wget -q -O- http://$HOST_UP_ADDR:8095/"
    [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
    [ "${lines[0]}" = "upstream-ok from $HOST_UP_ADDR" ]
    [ "${lines[1]}" = hive-web ]
    # hive's container reaches a podman container (routed through the host, NATed)
    hns $P run -d --network bridge --name pweb busybox sh -c 'mkdir /w; echo podman-web > /w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
    local pip
    pip=$(hns $P inspect -f '{{.NetworkSettings.IPAddress}}' pweb)
    [ -n "$pip" ]
    run_hive 0 exec web timeout 3 wget -q -O- "http://$pip/"
    [ "$output" = podman-web ]
    hns $P rm -f -t 0 pweb >/dev/null
    # hive gone: podman's tables are as they were, hive's table is gone
    hive rm -f web >/dev/null
    [ "$(other_tables)" = "$before" ]
    run hns $P run --rm --network bridge busybox timeout 3 wget -q -O- "http://$UP_ADDR:8000/"
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
}
