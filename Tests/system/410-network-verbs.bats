#!/usr/bin/env bats
# hive network create/ls/inspect/rm/prune/connect/disconnect (issue #13) and
# the bad input they refuse with a one-line error, leaving nothing behind.
# Each test runs hive in namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

@test "network create/ls/inspect/rm: a user network with its subnet and gateway; its bridge exists while it does" {
    run_hive 0 network create --subnet 10.89.1.0/24 --gateway 10.89.1.254 -l team=web front
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    local id=$output
    run_hive 0 network ls --format '{{.Name}} {{.Driver}}'
    [[ "$output" == *"front bridge"* ]]
    [[ "$output" == *"bridge bridge"* ]]
    run_hive 0 network ls -q
    [[ "$output" == *"${id:0:12}"* ]]
    run_hive 0 network ls --filter label=team=web --format '{{.Name}}'
    [ "$output" = "front" ]
    run_hive 0 network inspect front --format '{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}'
    [ "$output" = "front 10.89.1.0/24 10.89.1.254 web" ]
    run_hive 0 network inspect front
    python3 -c 'import json, sys; n = json.loads(sys.argv[1]); n = n[0] if isinstance(n, list) else n; assert n["Id"] == sys.argv[2], n' "$output" "$id"
    # the gateway is a bridge's address in the host namespace
    hns ip -4 -o addr show | grep -q ' 10\.89\.1\.254/24 '
    run_hive 0 network rm front
    [ "$output" = "front" ]
    [ -z "$(hns ip -4 -o addr show | grep '10\.89\.1\.')" ]
    run_hive 0 network ls --format '{{.Name}}'
    [[ "$output" != *front* ]]
    # prune removes unused user networks only
    hive network create unused1 >/dev/null
    hive network create unused2 >/dev/null
    run_hive 0 network prune -f
    [[ "$output" == *unused1* ]]
    [[ "$output" == *unused2* ]]
    run_hive 0 network ls --format '{{.Name}}'
    [ "$(echo "$output" | sort | tr "\n" " ")" = "bridge host none " ]
}

@test "run --ip in a user network; a taken --ip, one outside the subnet and --ip on the default bridge are refused, leaving nothing" {
    import_run_base
    hive network create --subnet 10.89.2.0/24 back >/dev/null
    hive run -d --name fixed --network back --ip 10.89.2.50 busybox sleep 60 >/dev/null
    wait_running fixed
    [ "$(ctr_ip fixed)" = 10.89.2.50 ]
    run_hive 0 inspect -f '{{.NetworkSettings.Networks.back.IPAddress}}' fixed
    [ "$output" = 10.89.2.50 ]
    local links
    links=$(host_links)
    run_hive 125 run --rm --network back --ip 10.89.2.50 busybox true
    assert_one_line_error 10.89.2.50
    run_hive 125 run --rm --network back --ip 10.99.0.5 busybox true
    assert_one_line_error 10.99.0.5
    run_hive 125 run --rm --ip 172.30.0.9 busybox true
    assert_one_line_error 'user defined networks'
    run_hive 125 run --rm --network back --ip not-an-ip busybox true
    assert_one_line_error not-an-ip
    # nothing of the refused runs stays: no veth, no endpoint, no container
    [ "$(host_links)" = "$links" ]
    [ "$(db_rows endpoints)" -eq 1 ]
    [ "$(hive ps -aq | wc -l)" -eq 1 ]
    # the address is free again once its holder is gone
    hive rm -f fixed >/dev/null
    run_hive 0 run --rm --network back --ip 10.89.2.50 busybox ip -4 -o addr show dev eth0
    [[ "$output" == *" 10.89.2.50/24 "* ]]
}

@test "network create --aux-address reserves addresses no container gets; --ipam-driver default, --ipam-opt shown; others refused" {
    import_run_base
    hive network create --subnet 10.89.7.0/29 --aux-address router=10.89.7.2 --aux-address printer=10.89.7.3 \
        --ipam-driver default --ipam-opt site=lab aux >/dev/null
    run_hive 0 network inspect -f '{{json .IPAM}}' aux
    [ "$(python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["Driver"], v["Options"], sorted(v["Config"][0]["AuxiliaryAddresses"].items()))' <<<"$output")" = \
      "default {'site': 'lab'} [('printer', '10.89.7.3'), ('router', '10.89.7.2')]" ]
    # the gateway is .1; automatic addresses skip .2 and .3
    hive run -d --name a1 --network aux busybox sleep 60 >/dev/null
    hive run -d --name a2 --network aux busybox sleep 60 >/dev/null
    [ "$(hive inspect -f '{{.NetworkSettings.Networks.aux.IPAddress}}' a1) $(hive inspect -f '{{.NetworkSettings.Networks.aux.IPAddress}}' a2)" = "10.89.7.4 10.89.7.5" ]
    # an --ip of a reserved address is in use
    run_hive 125 run --rm --network aux --ip 10.89.7.2 busybox true
    assert_one_line_error 'address 10.89.7.2 is in use'
    run_hive 1 network create --subnet 10.89.8.0/24 --aux-address gw=10.89.8.1 bad1
    assert_one_line_error gateway
    run_hive 1 network create --subnet 10.89.8.0/24 --aux-address x=10.89.9.1 bad2
    assert_one_line_error 'not in the network'
    run_hive 1 network create --aux-address x=10.89.9.1 bad3
    assert_one_line_error 'needs a --subnet'
    run_hive 1 network create --ipam-driver dhcp bad4
    assert_one_line_error 'IPAM driver "dhcp" is not supported'
    run_hive 1 network create --ipv4=false bad5
    assert_one_line_error 'ipv4=false'
    run_hive 0 network create --ipv4 --scope local good
    run_hive 1 network create --scope swarm bad6
    assert_one_line_error '--scope swarm is not supported'
    # -v adds only Swarm's services and peers to Docker's output: the same here
    [ "$(hive network inspect -v good)" = "$(hive network inspect good)" ]
    [ "$(hive network ls -q --filter name=bad | wc -l)" -eq 0 ]
    hive rm -f a1 a2 >/dev/null
    hive network rm aux good >/dev/null
}

@test "network create refuses an overlapping subnet, a taken name, a bad subnet and a gateway outside it" {
    run_hive 0 network create --subnet 10.89.3.0/24 one
    run_hive 1 network create --subnet 10.89.3.128/25 two
    assert_one_line_error 10.89.3.128/25
    run_hive 1 network create --subnet 10.89.0.0/16 three
    assert_one_line_error 10.89.0.0/16
    run_hive 1 network create one
    assert_one_line_error one exists
    run_hive 1 network create --subnet 10.89.300.0/24 four
    assert_one_line_error 10.89.300.0/24
    run_hive 1 network create --subnet 10.89.5.0/24 --gateway 10.89.6.1 five
    assert_one_line_error 10.89.6.1
    run_hive 0 network ls --format '{{.Name}}'
    [ "$(echo "$output" | sort | tr "\n" " ")" = "bridge host none one " ]
    # only one's bridge exists beside up0 (and the default bridge, if made)
    [ "$(hns ip -4 -o addr show | grep -c ' 10\.89\.')" -eq 1 ]
}

@test "an unknown network is refused by run, create, connect, inspect and rm; rm of a network with containers is refused naming them" {
    import_run_base
    run_hive 125 run --rm --network nope busybox true
    assert_one_line_error nope
    run_hive 125 create --network nope busybox true
    assert_one_line_error nope
    [ -z "$(hive ps -aq)" ]
    run ! hive network inspect nope
    run ! hive network rm nope
    hive network create busy >/dev/null
    hive run -d --name user1 --network busy busybox sleep 60 >/dev/null
    run_hive 0 create --name user2 --network busy busybox true
    run_hive 1 network connect nope user1
    assert_one_line_error nope
    run_hive 1 network rm busy
    assert_one_line_error busy user1
    run_hive 0 network ls --format '{{.Name}}'
    [[ "$output" == *busy* ]]
    # the default network cannot be removed
    run ! hive network rm bridge
    hive rm -f user1 user2 >/dev/null
    run_hive 0 network rm busy
}

@test "network connect gives a running container eth1 on the second network, reaching it; disconnect takes it away" {
    import_run_base
    hive network create --subnet 10.89.4.0/24 left >/dev/null
    hive network create --subnet 10.89.5.0/24 right >/dev/null
    hive run -d --name l1 --network left busybox sleep 60 >/dev/null
    hive run -d --name r1 --network right busybox sh -c 'mkdir /w; echo right-ok > /w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
    wait_running l1
    wait_running r1
    local r1ip
    r1ip=$(ctr_ip r1)
    [[ "$r1ip" == 10.89.5.* ]]
    # networks are isolated from each other
    run ! hive exec l1 timeout 2 wget -q -O- "http://$r1ip/"
    run_hive 0 network connect --alias lefty right l1
    run_hive 0 exec l1 ip -4 -o addr show dev eth1
    [[ "$output" == *" 10.89.5."* ]]
    run_hive 0 exec l1 timeout 3 wget -q -O- "http://$r1ip/"
    [ "$output" = "right-ok" ]
    run_hive 0 exec l1 timeout 3 wget -q -O- http://r1/
    [ "$output" = "right-ok" ]
    # r1 knows l1 by its name and alias on the network they now share
    run_hive 0 exec r1 sh -c 'ping -c1 -W2 l1 >/dev/null && ping -c1 -W2 lefty >/dev/null && echo both'
    [ "$output" = both ]
    run_hive 0 inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' l1
    [ "$output" = "left right " ]
    # connecting twice is refused
    run_hive 1 network connect right l1
    assert_one_line_error l1 right
    run_hive 0 network disconnect right l1
    # busybox's ip exits 2 for a missing device
    run -2 hive exec l1 ip link show eth1
    [[ "$output" == *"can't find device 'eth1'"* ]]
    run_hive 0 exec l1 ip -4 -o addr show dev eth0
    [[ "$output" == *" 10.89.4."* ]]
    run_hive 0 exec r1 cat /etc/hosts
    [[ "$output" != *l1* ]]
}
