#!/usr/bin/env bats
# Networking's leftover gaps (issue #13): --add-host parsed once as Docker
# does and kept in the spec (inspect's HostConfig.ExtraHosts); `network
# connect` to a container that is not running (recorded, attached at start);
# reconcile sweeping published-port elements no endpoint claims; and
# --network container:X following X across restarts. Each test runs hive in
# namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

# net_ino PID: the inode of a process's network namespace.
net_ino() { stat -L -c %i "/proc/$1/ns/net"; }

@test "--add-host: NAME:IP split at the first ':' (IPv6), NAME=IP, [IP], host-gateway; kept for inspect; bad ones refused, leaving nothing" {
    import_run_base
    run_hive 0 run --rm --network none --add-host h6:2001:db8::1 --add-host eq=192.0.2.9 --add-host br=[2001:db8::2] busybox cat /etc/hosts
    [[ "$output" == *$'2001:db8::1\th6'* ]]
    [[ "$output" == *$'192.0.2.9\teq'* ]]
    [[ "$output" == *$'2001:db8::2\tbr'* ]]
    hive create --name ah --add-host gw:host-gateway --add-host h6:2001:db8::1 busybox cat /etc/hosts >/dev/null
    run_hive 0 inspect -f '{{json .HostConfig.ExtraHosts}}' ah
    [ "$output" = '["gw:host-gateway","h6:2001:db8::1"]' ]
    # host-gateway is the default network's gateway in the file
    local gw
    gw=$(hive network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' bridge)
    [ -n "$gw" ]
    run_hive 0 start -a ah
    [[ "$output" == *"$gw"$'\tgw'* ]]
    [[ "$output" == *$'2001:db8::1\th6'* ]]
    # a container without --add-host shows null, as Docker
    hive create --name plain --network none busybox true >/dev/null
    run_hive 0 inspect -f '{{json .HostConfig.ExtraHosts}}' plain
    [ "$output" = null ]
    hive rm -f ah plain >/dev/null
    run_hive 125 run --rm --add-host nocolon busybox true
    assert_one_line_error 'bad format for add-host' nocolon
    run_hive 125 run --rm --add-host db:10.0.0.300 busybox true
    assert_one_line_error 'invalid IP address in add-host' 10.0.0.300
    run_hive 125 create --network none --add-host 'a b:192.0.2.1' busybox true
    assert_one_line_error 'add-host'
    [ "$(hive ps -aq | wc -l)" -eq 0 ]
}

@test "network connect to a created container: recorded, attached at every start, shown by inspect; disconnect while stopped; refusals" {
    import_run_base
    hive network create --subnet 10.89.60.0/24 back >/dev/null
    hive create --name web busybox sleep 120 >/dev/null
    run_hive 0 network connect --alias api back web
    run_hive 0 inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' web
    [ "$output" = "back bridge " ]
    run_hive 1 network connect back web
    assert_one_line_error 'already connected' back
    run_hive 1 network connect nosuch web
    assert_one_line_error nosuch
    run_hive 1 network connect --ip 10.99.0.5 back web
    assert_one_line_error 10.99.0.5
    hive start web >/dev/null
    wait_running web
    [[ "$(ctr_ip web eth1)" == 10.89.60.* ]]
    run_hive 0 inspect -f '{{.NetworkSettings.Networks.back.IPAddress}} {{.NetworkSettings.Networks.back.Aliases}}' web
    [[ "$output" == 10.89.60.*api* ]]
    # stopped: still recorded; started again: attached again
    hive stop -t 0 web >/dev/null
    hive start web >/dev/null
    wait_running web
    [[ "$(ctr_ip web eth1)" == 10.89.60.* ]]
    hive stop -t 0 web >/dev/null
    run_hive 0 network disconnect back web
    run_hive 0 inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' web
    [ "$output" = "bridge " ]
    run_hive 1 network disconnect back web
    assert_one_line_error 'not connected' back
    run_hive 1 network disconnect bridge web
    assert_one_line_error bridge web
    hive start web >/dev/null
    wait_running web
    run hive exec web ip -o link show dev eth1
    [ "$status" -ne 0 ]
    [[ "$output" == *eth1* ]]
    # a connect to a running container is recorded too: it survives a restart
    run_hive 0 network connect back web
    [[ "$(ctr_ip web eth1)" == 10.89.60.* ]]
    hive stop -t 0 web >/dev/null
    hive start web >/dev/null
    wait_running web
    [[ "$(ctr_ip web eth1)" == 10.89.60.* ]]
    # a container without a network of its own cannot be connected
    hive create --name lone --network none busybox true >/dev/null
    run_hive 1 network connect back lone
    assert_one_line_error lone none
    hive rm -f web lone >/dev/null
    hive network rm back >/dev/null
    assert_net_clean
}

@test "reconcile removes published-port elements of the firewall that no endpoint claims" {
    import_run_base
    hive network create keep >/dev/null  # the table stays while a network does
    hive run -d --name p -p 8090:80 busybox sleep 120 >/dev/null
    wait_running p
    hns nft list table inet hive | grep -q ' 8090 '
    # what a kill -9 at the wrong moment leaves: the kernel's elements, no rows
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("delete from published_ports"); db.execute("delete from endpoints"); db.commit()' "$HIVE_ROOT/hive.db"
    hive rm -f p >/dev/null
    hns nft list table inet hive | grep -q ' 8090 '
    hive network ls >/dev/null  # reconciles
    [ "$(hns nft list table inet hive | grep -c ' 8090 ' || true)" -eq 0 ]
    # a port some container holds stays
    hive run -d --name q -p 8091:80 busybox sleep 120 >/dev/null
    wait_running q
    hive network ls >/dev/null
    hns nft list table inet hive | grep -q ' 8091 '
    run_hive 0 port q
    [[ "$output" == *"80/tcp -> 0.0.0.0:8091"* ]]
    hive rm -f q >/dev/null
    hive network rm keep >/dev/null
    assert_net_clean
}

@test "--network container:X with X on --network none: kept as container:ID, and a restart of both joins X's new namespace" {
    import_run_base
    hive run -d --name x --network none busybox sleep 300 >/dev/null
    wait_running x
    local xid
    xid=$(hive inspect -f '{{.Id}}' x)
    hive run -d --name y --network container:x busybox sleep 300 >/dev/null
    wait_running y
    run_hive 0 inspect -f '{{.HostConfig.NetworkMode}}' y
    [ "$output" = "container:$xid" ]
    [ "$(net_ino "$(hive inspect -f '{{.State.Pid}}' x)")" = "$(net_ino "$(hive inspect -f '{{.State.Pid}}' y)")" ]
    hive stop -t 0 y x >/dev/null
    run_hive 1 start y
    assert_one_line_error 'non running container' x
    hive start x >/dev/null
    wait_running x
    hive start y >/dev/null
    wait_running y
    [ "$(net_ino "$(hive inspect -f '{{.State.Pid}}' x)")" = "$(net_ino "$(hive inspect -f '{{.State.Pid}}' y)")" ]
    # a third one sharing y's shares x's
    run_hive 0 run --rm --network container:y busybox readlink /proc/self/ns/net
    [ "$output" = "$(readlink "/proc/$(hive inspect -f '{{.State.Pid}}' x)/ns/net")" ]
    hive rm -f y x >/dev/null
    [ -z "$(ls -A "$HIVE_RUNROOT/netns" 2>/dev/null)" ]
}
