#!/usr/bin/env bats
# Nothing left behind (issue #13): after rm -f of everything and network rm,
# no veth, bridge, nftables table, address, pinned namespace or endpoint row;
# a container's exit releases its endpoint; a kill -9 of the CLI during a
# networked run (foreground or -d) leaves nothing the next command cannot
# reclaim. Each test runs hive in namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

@test "after rm -f of everything and network rm: no veth, bridge, nftables table, address, pin or endpoint row" {
    import_run_base
    assert_net_clean
    # no bridge network yet: hive leaves ip_forward alone (a new namespace inherits the host's value: start from 0)
    hns sysctl -qw net.ipv4.ip_forward=0
    run_hive 0 run --rm --network none busybox true
    [ "$(hns cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
    hive network create --subnet 10.89.40.0/24 n1 >/dev/null
    hive network create --subnet 10.89.41.0/24 --internal n2 >/dev/null
    hive run -d --name a -p 8080:80 busybox sleep 120 >/dev/null
    hive run -d --name b --network n1 -p 8081:80/udp busybox sleep 120 >/dev/null
    hive run -d --name c --network n2 busybox sleep 120 >/dev/null
    hive network connect n1 a
    hive create --name d --network n1 busybox true >/dev/null
    hive run --rm busybox true
    wait_running a
    [ "$(ls "$HIVE_RUNROOT/netns" | wc -l)" -eq 3 ]
    [ "$(db_rows endpoints)" -eq 4 ]
    [ "$(db_rows published_ports)" -eq 2 ]
    hns nft list tables | grep -q 'inet hive'
    hive rm -f a b c d >/dev/null
    hive network rm n1 n2 >/dev/null
    assert_net_clean
    # hive turned ip_forward on for its bridges, and off with the last
    [ "$(hns cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
}

@test "a container's exit releases its veth, pin, ports and endpoint; start attaches again" {
    import_run_base
    hive network create n1 >/dev/null
    run_hive 0 run --name quick --network n1 -p 8082:80 busybox true
    hive run -d --name slow --network n1 busybox sleep 1 >/dev/null
    run_hive 0 wait slow
    wait_for_event "die" --filter container=slow
    for _ in $(seq 30); do [ "$(db_rows endpoints)" -eq 0 ] && break; sleep 0.1; done
    [ "$(db_rows endpoints)" -eq 0 ]
    [ "$(db_rows published_ports)" -eq 0 ]
    [ -z "$(ls -A "$HIVE_RUNROOT/netns" 2>/dev/null)" ]
    for _ in $(seq 20); do [ -z "$(hive_veths)" ] && break; sleep 0.1; done
    [ -z "$(hive_veths)" ]
    run_hive 0 start -a quick
    run_hive 0 start slow
    wait_for_event "start" --filter container=slow
    hive wait slow >/dev/null
    hive rm -f quick slow >/dev/null
    hive network rm n1 >/dev/null
    assert_net_clean
}

@test "kill -9 of the CLI during networked foreground runs: the next commands reclaim the address, the port and the network" {
    import_run_base
    hive network create --subnet 10.89.42.0/24 n1 >/dev/null
    local i pid
    for i in 1 2 3 4 5 6 7 8; do
        # at different moments: before, during and after the namespace and veth are made
        "$HIVE" run --name "k$i" --network n1 --ip 10.89.42.10 -p 8083:80 busybox sleep 0.5 >/dev/null 2>&1 &
        pid=$!
        sleep "0.0$i"
        # the wrapper's nsenter exec'd hive: $pid is the CLI itself
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        sleep 0.6
        hive rm -f "k$i" >/dev/null 2>&1 || true
    done
    # the fixed address and the port are free for the next run
    run_hive 0 run --rm --name after --network n1 --ip 10.89.42.10 -p 8083:80 busybox ip -4 -o addr show dev eth0
    [[ "$output" == *" 10.89.42.10/24 "* ]]
    [ -z "$(hive ps -aq)" ]
    run_hive 0 network rm n1
    assert_net_clean
}

@test "kill -9 of the CLI while the default bridge is being set up, and of a detached container's processes: reconciled" {
    import_run_base
    local i pid
    for i in 1 2 3 4 5; do
        "$HIVE" run --rm -d --name "d$i" -p 8084:80 busybox sleep 60 >/dev/null 2>&1 &
        pid=$!
        sleep "0.0$((i * 2))"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    # whatever survived is killed hard too: its monitor and its init, no cleanup runs
    for i in 1 2 3 4 5; do
        local id
        id=$(hive inspect -f '{{.Id}}' "d$i" 2>/dev/null) || continue
        for p in $(pgrep -f "hive-monitor $id"); do kill -9 "$p"; done
    done
    hive ps -aq | while read -r id; do
        p=$(hive inspect -f '{{.State.Pid}}' "$id" 2>/dev/null) && [ "${p:-0}" -gt 0 ] && kill -9 "$p" 2>/dev/null || true
    done
    sleep 0.3
    # the port is free for the next run, and everything can be removed
    run_hive 0 run --rm -p 8084:80 busybox true
    hive rm -f $(hive ps -aq) >/dev/null 2>&1 || true
    [ -z "$(hive ps -aq)" ]
    run_hive 0 run --rm busybox true
    [ "$(db_rows endpoints)" -eq 0 ]
    [ "$(db_rows published_ports)" -eq 0 ]
    [ -z "$(ls -A "$HIVE_RUNROOT/netns" 2>/dev/null)" ]
    # the last run's pair: the kernel deletes it on its own some 35 ms after its namespace goes
    for _ in $(seq 20); do [ -z "$(hive_veths)" ] && break; sleep 0.1; done
    [ -z "$(hive_veths)" ]
}
