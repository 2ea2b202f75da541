#!/usr/bin/env bats
# Published ports (issue #13): -p from 127.0.0.1 and from an upstream host,
# UDP, ranges, a host address, -P with EXPOSE and `hive port`, ps PORTS,
# inspect's Ports; a host port already taken (by a host process, by another
# container) refused with nothing left behind. Each test runs hive in
# namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

# A web server answering "$1" on port 80 (busybox httpd).
WEB='mkdir -p /w && echo "$MSG" > /w/index.html && exec httpd -f -p 80 -h /w'

# A UDP echo server inside the container: the host's python3 through a
# read-only bind of / (busybox has no UDP server). Prints run's arguments.
udp_echo_args() {
    cat > "$WORK/udp.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    d, p = s.recvfrom(2048)
    s.sendto(b"ctr-udp " + d, p)
PY
    echo "-v /:/host:ro busybox chroot /host python3 $WORK/udp.py $1"
}

@test "-p HOST:CTR: reachable from 127.0.0.1, the host's address and an upstream host; ps and inspect show it" {
    import_run_base
    hive run -d --name web -e MSG=web-ok -p 8080:80 busybox sh -c "$WEB" >/dev/null
    run wait_http "$NS_H" http://127.0.0.1:8080/
    [ "$output" = web-ok ]
    run_hive 0 exec web true
    run http_get "$NS_H" "http://$HOST_UP_ADDR:8080/"
    [ "$output" = web-ok ]
    run http_get "$NS_U" "http://$HOST_UP_ADDR:8080/"
    [ "$output" = web-ok ]
    run_hive 0 port web
    [ "$output" = "80/tcp -> 0.0.0.0:8080" ]
    run_hive 0 port web 80/tcp
    [ "$output" = "0.0.0.0:8080" ]
    run_hive 0 ps --format '{{.Names}} {{.Ports}}'
    [ "$output" = "web 0.0.0.0:8080->80/tcp" ]
    run_hive 0 inspect -f '{{range $p, $b := .NetworkSettings.Ports}}{{$p}}={{range $b}}{{.HostIp}}:{{.HostPort}}{{end}}{{end}}' web
    [ "$output" = "80/tcp=0.0.0.0:8080" ]
    # the mapping lives in hive's own table only
    hns nft list table inet hive | grep -q 8080
    [ "$(hns nft list tables)" = "table inet hive" ]
}

@test "-p on a user network, on a host address, and as a range" {
    import_run_base
    hive network create --subnet 10.89.10.0/24 pub >/dev/null
    hive run -d --name uweb --network pub -e MSG=user-ok -p 8081:80 busybox sh -c "$WEB" >/dev/null
    hive run -d --name lweb -e MSG=local-only -p 127.0.0.1:8082:80 busybox sh -c "$WEB" >/dev/null
    hive run -d --name rweb -e MSG=ranged -p 8090-8091:80-81 busybox sh -c "mkdir -p /w && httpd -p 81 -h /w && $WEB" >/dev/null
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:8081/"
    [ "$output" = user-ok ]
    run wait_http "$NS_H" http://127.0.0.1:8082/
    [ "$output" = local-only ]
    # bound to 127.0.0.1: not from upstream
    run ! http_get "$NS_U" "http://$HOST_UP_ADDR:8082/"
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:8090/"
    [ "$output" = ranged ]
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:8091/"
    [ "$output" = ranged ]
    run_hive 0 port rweb
    [ "$output" = "$(printf '80/tcp -> 0.0.0.0:8090\n81/tcp -> 0.0.0.0:8091')" ]
}

@test "-p .../udp: datagrams from 127.0.0.1 and from an upstream host reach the container and its replies come back" {
    import_run_base
    hive run -d --name udp -p 5353:5353/udp $(udp_echo_args 5353) >/dev/null
    local out=""
    for _ in $(seq 30); do out=$(udp_ask "$NS_H" 127.0.0.1 5353 hello 2>/dev/null) && break; sleep 0.1; done
    [ "$out" = "ctr-udp hello" ]
    run udp_ask "$NS_U" "$HOST_UP_ADDR" 5353 again
    [ "$output" = "ctr-udp again" ]
    run_hive 0 port udp
    [ "$output" = "5353/udp -> 0.0.0.0:5353" ]
}

@test "-P publishes every EXPOSEd port on a free high port; hive port names it" {
    import_run_base
    hive import --change 'ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin' --change 'EXPOSE 80' --change 'EXPOSE 81/tcp' "$(base_tar)" exposed >/dev/null
    hive run -d --name auto -P -e MSG=auto-ok exposed sh -c "mkdir -p /w && httpd -p 81 -h /w && $WEB" >/dev/null
    run_hive 0 port auto 80/tcp
    [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]]
    local p80=${BASH_REMATCH[1]}
    run_hive 0 port auto 81
    [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]]
    local p81=${BASH_REMATCH[1]}
    [ "$p80" -ge 1024 ]
    [ "$p81" -ge 1024 ]
    [ "$p80" != "$p81" ]
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:$p80/"
    [ "$output" = auto-ok ]
    run wait_http "$NS_H" "http://127.0.0.1:$p81/"
    [ "$output" = auto-ok ]
    # --expose adds to the image's
    run_hive 0 run -d --name more -P --expose 82 exposed sleep 60
    run_hive 0 port more
    [ "${#lines[@]}" -eq 3 ]
}

@test "a host port already taken (by a host process, by another container) is refused with nothing left behind" {
    import_run_base
    listen_tcp 8083
    local links tables
    run_hive 125 run --rm -p 8083:80 busybox true
    assert_one_line_error 8083
    hive run -d --name holder -e MSG=holder -p 8084:80 busybox sh -c "$WEB" >/dev/null
    run wait_http "$NS_H" http://127.0.0.1:8084/
    links=$(host_links)
    tables=$(hns nft list ruleset | grep -c 8084)
    run_hive 125 run --rm -p 8084:80 busybox true
    assert_one_line_error 8084
    run_hive 125 run -d --name second -p 8085:80 -p 8084:80 busybox sleep 60
    assert_one_line_error 8084
    # a clash inside one run
    run_hive 125 run --rm -p 8086:80 -p 8086:81 busybox true
    assert_one_line_error 8086
    run_hive 125 run --rm -p 99999:80 busybox true
    assert_one_line_error 99999
    # nothing stays: no veth, no rule for 8085, no endpoint or port row but holder's
    [ "$(host_links)" = "$links" ]
    [ "$(hns nft list ruleset | grep -c 8084)" -eq "$tables" ]
    [ -z "$(hns nft list ruleset | grep -e 8085 -e 8086)" ]
    [ "$(db_rows endpoints)" -eq 1 ]
    [ "$(db_rows published_ports)" -eq 1 ]
    # the holder still answers
    run http_get "$NS_U" "http://$HOST_UP_ADDR:8084/"
    [ "$output" = holder ]
    # once it is gone the port is free
    hive rm -f holder >/dev/null
    hive run -d --name next -e MSG=next -p 8084:80 busybox sh -c "$WEB" >/dev/null
    run wait_http "$NS_H" http://127.0.0.1:8084/
    [ "$output" = next ]
}
