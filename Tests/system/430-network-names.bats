#!/usr/bin/env bats
# Names on user networks (issue #13): containers resolve each other by name
# and --network-alias, kept current as containers come and go, also when
# they come at once; a container's own /etc/hosts. Each test runs hive in
# namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

@test "two containers reach each other by name and by --network-alias on a user network" {
    import_run_base
    hive network create --subnet 10.89.20.0/24 app >/dev/null
    hive run -d --name alpha --network app busybox sleep 120 >/dev/null
    hive run -d --name beta --network app --network-alias db --network-alias db.internal busybox \
        sh -c 'mkdir /w; echo beta-ok > /w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
    wait_running alpha
    wait_running beta
    local b
    b=$(ctr_ip beta)
    run_hive 0 exec alpha timeout 3 wget -q -O- http://beta/
    [ "$output" = beta-ok ]
    run_hive 0 exec alpha timeout 3 wget -q -O- http://db/
    [ "$output" = beta-ok ]
    run_hive 0 exec alpha timeout 3 wget -q -O- http://db.internal/
    [ "$output" = beta-ok ]
    # a name resolves to the address the container has
    run_hive 0 exec alpha ping -c1 -W2 beta
    [[ "$output" == *"($b)"* ]]
    # and beta knows alpha, which started before it
    run_hive 0 exec beta ping -c1 -W2 alpha
    [[ "$output" == *"($(ctr_ip alpha))"* ]]
    # a run --rm on the network resolves both
    run_hive 0 run --rm --network app busybox sh -c 'ping -c1 -W2 alpha >/dev/null && timeout 3 wget -q -O- http://db/'
    [ "$output" = beta-ok ]
    # on another network the names mean nothing
    run ! hive run --rm busybox ping -c1 -W1 beta
}

@test "names are kept current: a container joining later is resolvable by the first, a removed one disappears" {
    import_run_base
    hive network create app >/dev/null
    hive run -d --name first --network app busybox sleep 120 >/dev/null
    wait_running first
    hive run -d --name later --network app --network-alias late-alias busybox sleep 120 >/dev/null
    wait_running later
    run_hive 0 exec first ping -c1 -W2 later
    run_hive 0 exec first ping -c1 -W2 late-alias
    hive rm -f later >/dev/null
    run_hive 0 exec first cat /etc/hosts
    [[ "$output" != *later* ]]
    [[ "$output" != *late-alias* ]]
    run ! hive exec first ping -c1 -W1 later
    # a stopped container's name goes too, and comes back when it starts
    hive run -d --name third --network app busybox sleep 120 >/dev/null
    wait_running third
    run_hive 0 exec first ping -c1 -W2 third
    hive stop -t 0 third >/dev/null
    run_hive 0 exec first cat /etc/hosts
    [[ "$output" != *third* ]]
    hive start third >/dev/null
    wait_running third
    run_hive 0 exec first ping -c1 -W2 third
    [[ "$output" == *"($(ctr_ip third))"* ]]
}

@test "ten containers joining at once all see each other" {
    import_run_base
    hive network create crowd >/dev/null
    local i j pids=()
    for i in $(seq 10); do hive run -d --name "m$i" --network crowd busybox sleep 120 >/dev/null & pids+=($!); done
    # these runs only: a bare `wait` would wait for the upstream server too
    wait "${pids[@]}"
    for i in $(seq 10); do wait_running "m$i"; done
    for i in 1 5 10; do
        run_hive 0 exec "m$i" cat /etc/hosts
        for j in $(seq 10); do
            echo "$output" | grep -Eq "[[:space:]]m$j([[:space:]]|$)" || { echo "m$i does not know m$j:" >&2; echo "$output" >&2; return 1; }
        done
    done
    run_hive 0 exec m3 ping -c1 -W2 m8
}

@test "/etc/hosts: own name and hostname, --add-host, a peer never gets what a container wrote into its own" {
    import_run_base
    hive network create app >/dev/null
    hive run -d --name own --hostname ownhost --network app --add-host extra.test:198.51.100.7 busybox sleep 120 >/dev/null
    wait_running own
    run_hive 0 exec own cat /etc/hosts
    local a
    a=$(ctr_ip own)
    echo "$output" | grep -Eq "^$a[[:space:]].*ownhost"
    echo "$output" | grep -Eq '^198\.51\.100\.7[[:space:]]+extra\.test'
    # a container may scribble on its own hosts file; a peer joining later rewrites only its own lines
    hive exec own sh -c 'echo "10.0.0.99 planted" >> /etc/hosts'
    hive run -d --name peer --network app busybox sleep 120 >/dev/null
    wait_running peer
    run_hive 0 exec peer cat /etc/hosts
    [[ "$output" != *planted* ]]
    [[ "$output" == *own* ]]
}
