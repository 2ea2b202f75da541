#!/usr/bin/env bats
# The shipped plugin network/extra-route (issue #13): routes added inside a
# container's namespace from a root-owned hook through hive.exec, at
# on-connect (before the process starts, and on network connect). Each test
# runs hive in namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

@test "network/extra-route: a prohibit route blocks the upstream host on every network; a via route only on its network" {
    import_run_base
    hive network create --subnet 10.89.50.0/24 --gateway 10.89.50.1 routed >/dev/null
    use_plugins <<EOF
[plugins]
enabled = ["network/extra-route"]
[plugins."network/extra-route"]
routes = [
  { to = "$UP_ADDR/32", type = "prohibit" },
  { network = "routed", to = "198.51.100.0/24", via = "10.89.50.1", metric = 7 },
]
EOF
    # the route is there before the process starts: its first packet is refused
    run hive run --rm busybox sh -c "ip route; timeout 2 wget -q -O- http://$UP_ADDR:8000/"
    [ "$status" -ne 0 ]
    [[ "$output" == *"prohibit $UP_ADDR"* ]]
    [[ "$output" != *upstream-ok* ]]
    [[ "$output" != *198.51.100.0/24* ]]
    run_hive 0 run --rm --network routed busybox ip route
    [[ "$output" == *"prohibit $UP_ADDR"* ]]
    [[ "$output" == *"198.51.100.0/24 via 10.89.50.1 dev eth0"*"metric 7"* ]]
    # network connect: the routes for the new network, on its interface
    hive run -d --name late busybox sleep 60 >/dev/null
    wait_running late
    hive network connect routed late
    run_hive 0 exec late ip route
    [[ "$output" == *"198.51.100.0/24 via 10.89.50.1 dev eth1"* ]]
    # the container cannot take the route away (no NET_ADMIN)
    run ! hive exec late ip route del "$UP_ADDR/32"
    # without the plugin the same run reaches the upstream host
    : > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox timeout 3 wget -q -O- "http://$UP_ADDR:8000/"
    [ "$output" = "upstream-ok from $HOST_UP_ADDR" ]
}

@test "network/extra-route: a bad route is refused at load naming it; a failing route is a warning, the container still runs" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["network/extra-route"]
[plugins."network/extra-route"]
routes = [ { to = "nowhere" } ]
EOF
    run_hive 125 run --rm busybox true
    [[ "$output" == *"routes[1]"*"prefix"* ]]
    use_plugins <<'EOF'
[plugins]
enabled = ["network/extra-route"]
[plugins."network/extra-route"]
routes = [ { to = "198.51.100.0/24", via = "203.0.113.1" } ]
EOF
    run_hive 0 run --rm busybox echo ran
    [[ "$output" == *"network/extra-route: "*"198.51.100.0/24 via 203.0.113.1"*"exited with"* ]]
    [[ "$output" == *ran* ]]
}
