#!/usr/bin/env bats
# `hive system service`'s lifecycle (issue #17): idle exit and what holds it
# off, one service per socket, stale sockets, the socket's owner and mode,
# refused addresses, SIGTERM, systemd socket activation (contrib/systemd,
# driven by systemd-socket-activate), kill -9 in the middle of a request, and
# the API version prefix, ping headers and unknown paths.
load helpers
load api

teardown() { teardown_containers; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
ping_ok() { curl -sf --unix-socket "$1" http://hive/_ping -o /dev/null; }

# serve SOCKET ARGS...: a service in the background; its pid in $SPID.
serve() {
    local sock=$1; shift
    "$HIVE" system service "$@" "unix://$sock" 2>>"$WORK/serve.err" &
    SPID=$!
    echo $SPID >> "$WORK/servers.pids"
    until_true 10 ping_ok "$sock"
}

@test "idle exit within --time + 1 s, socket and lock removed; --time 0 never exits" {
    serve "$WORK/forever.sock" --time 0
    local forever=$SPID
    serve "$WORK/idle.sock" --time 1
    local idle=$SPID
    ping_ok "$WORK/idle.sock"
    local t0; t0=$(now_ms)
    until_true 5 dead "$idle"
    local took=$(( $(now_ms) - t0 ))
    echo "idle exit after ${took} ms" >&3
    [ "$took" -ge 900 ]
    [ "$took" -le 2000 ]
    wait "$idle"                       # exit status 0
    [ ! -e "$WORK/idle.sock" ]
    [ ! -e "$WORK/idle.sock.lock" ]
    # the --time 0 service outlived the other by more than its --time
    sleep 1.2
    alive "$forever"
    ping_ok "$WORK/forever.sock"
}

@test "a request in flight holds off the idle exit" {
    import_run_base
    serve "$WORK/s.sock" --time 1
    cid=$(hive run -d --network none busybox sleep 1000)
    # POST /wait lasts until the container exits: no idle exit meanwhile
    curl -s -X POST --unix-socket "$WORK/s.sock" "http://hive/v1.44/containers/$cid/wait" > "$WORK/wait.out" &
    local waiter=$!
    sleep 2.5
    alive "$SPID"
    hive kill "$cid" >/dev/null
    wait "$waiter"
    grep -q '"StatusCode":137' "$WORK/wait.out"
    until_true 3 dead "$SPID"
}

@test "no idle exit while docker logs -f or docker events is open" {
    import_run_base
    serve "$WORK/s.sock" --time 1
    export DOCKER_HOST=unix://$WORK/s.sock DOCKER_CONFIG=$WORK/docker-config
    mkdir -p "$DOCKER_CONFIG"
    cid=$(hive run -d --network none busybox sh -c 'echo first; sleep 1000')
    docker logs -f "$cid" > "$WORK/logs.out" 2>&1 &
    local logs=$!
    docker events > "$WORK/events.out" 2>&1 &
    local events=$!
    until_true 5 grep -q first "$WORK/logs.out"
    sleep 2.5
    alive "$SPID"
    alive "$logs" && alive "$events"
    kill "$events"
    hive rm -f "$cid" >/dev/null
    # logs -f ends with the container; then the service goes idle and exits
    until_true 5 dead "$logs"
    until_true 5 dead "$SPID"
}

@test "a second service on the same socket is refused; the first keeps serving" {
    serve "$WORK/s.sock" --time 0
    run -125 "$HIVE" system service --time 0 "unix://$WORK/s.sock"
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hive: another hive system service is serving $WORK/s.sock: stop it first, or give another socket path" ]]
    alive "$SPID"
    ping_ok "$WORK/s.sock"
    [ "$(curl -s --unix-socket "$WORK/s.sock" http://hive/_ping)" = OK ]
}

@test "a stale socket from a killed service is replaced; SIGTERM stops cleanly" {
    serve "$WORK/s.sock" --time 0
    kill -9 "$SPID"; wait "$SPID" || true
    [ -S "$WORK/s.sock" ]
    run ! ping_ok "$WORK/s.sock"
    serve "$WORK/s.sock" --time 0
    ping_ok "$WORK/s.sock"
    kill -TERM "$SPID"
    until_true 5 dead "$SPID"
    local st=0; wait "$SPID" || st=$?    # (not `run wait`: a subshell has no children)
    [ "$st" -eq 0 ]
    [ ! -e "$WORK/s.sock" ]
    [ ! -e "$WORK/s.sock.lock" ]
}

@test "the socket is 0660 root:root, or root:GROUP with --group" {
    serve "$WORK/s.sock" --time 0
    [ "$(stat -c '%a %U:%G %F' "$WORK/s.sock")" = "660 root:root socket" ]
    kill "$SPID"; until_true 5 dead "$SPID"
    serve "$WORK/g.sock" --time 0 --group daemon
    [ "$(stat -c '%a %U:%G' "$WORK/g.sock")" = "660 root:daemon" ]
    run -125 "$HIVE" system service --group no-such-group "unix://$WORK/n.sock"
    [ "$output" = "hive: no such group: no-such-group (--group names who may use the socket)" ]
    [ ! -e "$WORK/n.sock" ]
}

@test "refused addresses: a file that is not a socket, tcp://, a relative path, another scheme" {
    echo precious > "$WORK/file"
    run -125 "$HIVE" system service "unix://$WORK/file"
    [ "$output" = "hive: $WORK/file exists and is not a socket: remove it or give another path" ]
    [ "$(cat "$WORK/file")" = precious ]
    [ ! -e "$WORK/file.lock" ]
    run -125 "$HIVE" system service tcp://127.0.0.1:2375
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hive: tcp://127.0.0.1:2375: a TCP listener needs TLS with client certificates: give --tlscacert, --tlscert and --tlskey"* ]]
    run -125 "$HIVE" system service --tlscert x "unix://$WORK/x.sock"
    [[ "$output" == *"--tlscert is for a tcp:// listener"* ]]
    run -125 "$HIVE" system service unix://relative.sock
    [[ "$output" == *"the socket path must be absolute"* ]]
    run -125 "$HIVE" system service http://x
    [[ "$output" == *"is not a socket URI: give unix:///PATH"* ]]
    run -125 "$HIVE" system service --time -1 "unix://$WORK/t.sock"
    [[ "$output" == *'invalid --time "-1"'* ]]
    run -125 "$HIVE" system service --time 1e300 "unix://$WORK/t.sock"
    [[ "$output" == *'invalid --time "1e300"'* ]]
    [ ! -e "$WORK/t.sock" ]
}

@test "systemd socket activation: contrib/systemd units, the inherited socket is served" {
    command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate not installed (Debian package systemd)"
    local unit=$REPO/contrib/systemd
    grep -qx 'ListenStream=/run/hive/hive.sock' "$unit/hive.socket"
    grep -qx 'SocketMode=0660' "$unit/hive.socket"
    # the units verify with this hive in place of /usr/local/bin/hive
    sed "s|/usr/local/bin/hive|$HIVE|" "$unit/hive.service" > "$WORK/hive.service"
    cp "$unit/hive.socket" "$WORK/hive.socket"
    if command -v systemd-analyze >/dev/null; then
        systemd-analyze verify "$WORK/hive.socket" "$WORK/hive.service"
    fi
    # ExecStart as the unit has it, with a 1 s idle time and the test's socket
    local exec; exec=$(sed -n 's/^ExecStart=//p' "$WORK/hive.service")
    exec=${exec/--time 60/--time 1}
    [[ "$exec" == "$HIVE system service --time 1" ]]
    systemd-socket-activate -l "$WORK/act.sock" $exec 2>"$WORK/act.err" &
    local pid=$!
    echo $pid >> "$WORK/servers.pids"
    until_true 5 test -S "$WORK/act.sock"
    # the first connection starts hive on the inherited socket (same pid: exec)
    [ "$(curl -s --unix-socket "$WORK/act.sock" http://hive/v1.44/version | python3 -c 'import json,sys; print(json.load(sys.stdin)["ApiVersion"])')" = 1.44 ]
    [[ "$(cat /proc/$pid/cmdline | tr '\0' ' ')" == "$HIVE system service --time 1 " ]]
    DOCKER_HOST=unix://$WORK/act.sock DOCKER_CONFIG=$WORK/dc docker version --format '{{.Server.APIVersion}}' | grep -qx 1.44
    until_true 4 dead "$pid"
    # the socket is the launcher's (systemd's): hive leaves it, takes no lock
    [ -S "$WORK/act.sock" ]
    [ ! -e "$WORK/act.sock.lock" ]
}

@test "kill -9 of the service in the middle of a request leaves nothing hive ps / rm cannot handle" {
    import_run_base
    # a pre-start hook that says it began, then takes its time
    add_hook 10-slow.lua <<EOF
hive.on("pre-start", function(c)
  hive.exec({"/bin/sh", "-c", "touch $WORK/started; sleep 5"})
end)
EOF
    start_service
    docker create --name victim --network none busybox sleep 1000 >/dev/null
    docker start victim > "$WORK/start.out" 2>&1 &
    local client=$!
    until_true 5 test -e "$WORK/started"
    kill -9 "$API_PID"
    local st=0; wait "$client" || st=$?
    [ "$st" -ne 0 ]                 # the client saw its connection die
    run_hive 0 ps -a --format '{{.Names}} {{.State}}'
    [[ "$output" == "victim "* ]]
    run_hive 0 rm -f victim
    run_hive 0 ps -aq
    [ -z "$output" ]
    # a new service takes over the socket the killed one left
    rm -f "$HOOKS_DIR/10-slow.lua"
    start_service
    [ "$(api GET /v1.44/containers/json?all=1)" = "[]" ]
}

@test "API versions: /v1.24 and /v1.44 answer, 1.45 is too new, 1.12 too old; unknown paths 404" {
    start_service
    # (api sets API_STATUS: called directly, its output to a file)
    api GET /v1.24/_ping > "$WORK/out"
    [ "$API_STATUS" = 200 ]
    [ "$(cat "$WORK/out")" = OK ]
    api GET /v1.44/version > "$WORK/out"
    [ "$API_STATUS" = 200 ] && grep -q '"ApiVersion":"1.44"' "$WORK/out"
    api GET /version > "$WORK/out"
    [ "$API_STATUS" = 200 ] && grep -q '"MinAPIVersion":"1.24"' "$WORK/out"
    api GET /v1.45/version > "$WORK/out"
    [ "$API_STATUS" = 400 ]
    [ "$(cat "$WORK/out")" = '{"message":"client version 1.45 is too new. Maximum supported API version is 1.44"}' ]
    api GET /v1.12/version > "$WORK/out"
    [ "$API_STATUS" = 400 ]
    [[ "$(cat "$WORK/out")" == '{"message":"client version 1.12 is too old. Minimum supported API version is 1.24'* ]]
    api GET /v1.44/nosuch > "$WORK/out"
    [ "$API_STATUS" = 404 ]
    [ "$(cat "$WORK/out")" = '{"message":"page not found"}' ]
    curl -s -i --unix-socket "$API_SOCK" http://hive/v1.44/nosuch | grep -qi '^Content-Type: application/json'
    # the docker CLI negotiates 1.44
    [ "$(docker version --format '{{.Client.APIVersion}} {{.Server.APIVersion}}')" = "1.44 1.44" ]
}

@test "HEAD /_ping answers with Docker's headers" {
    start_service
    curl -s -I --unix-socket "$API_SOCK" http://hive/_ping | tr -d '\r' > "$WORK/head"
    cat "$WORK/head"
    grep -qx 'HTTP/1.1 200 OK' "$WORK/head"
    grep -qx 'Api-Version: 1.44' "$WORK/head"
    grep -qx 'Cache-Control: no-cache, no-store, must-revalidate' "$WORK/head"
    grep -qx 'Pragma: no-cache' "$WORK/head"
    grep -qx 'Docker-Experimental: false' "$WORK/head"
    grep -qx 'Ostype: linux' "$WORK/head"
    grep -qx 'Content-Length: 0' "$WORK/head"
    grep -qx 'Content-Type: text/plain; charset=utf-8' "$WORK/head"
    grep -q '^Server: hive/' "$WORK/head"
    # versioned and GET: the body is OK
    [ "$(curl -s --unix-socket "$API_SOCK" http://hive/v1.44/_ping)" = OK ]
}

@test "tcp:// only with TLS client certificates: the docker CLI with its certificate is served, without one refused" {
    import_busybox
    cd "$WORK"
    # a CA, the service's certificate (127.0.0.1) and a client's, as Docker's docs make them
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=test-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout key.pem -out server.csr -subj /CN=127.0.0.1 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 1 -extfile server.ext 2>/dev/null
    mkdir client
    openssl req -newkey rsa:2048 -nodes -keyout client/key.pem -out client.csr -subj /CN=client 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client/cert.pem -days 1 -extfile client.ext 2>/dev/null
    cp ca.pem client/ca.pem
    # another CA's client certificate is refused too
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-key.pem -out other.pem -days 1 -subj /CN=other 2>/dev/null
    port=$(( 20000 + RANDOM % 20000 ))
    "$HIVE" system service --time 0 --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem "tcp://127.0.0.1:$port" 2>"$WORK/tcp.err" &
    echo $! >> "$WORK/servers.pids"
    until_true 10 curl -sf --cacert ca.pem --cert client/cert.pem --key client/key.pem "https://127.0.0.1:$port/_ping" -o /dev/null
    [ "$(curl -s --cacert ca.pem --cert client/cert.pem --key client/key.pem "https://127.0.0.1:$port/v1.44/_ping")" = OK ]
    # no client certificate, a stranger's, or plain HTTP: no answer from the API
    run curl -s --cacert ca.pem "https://127.0.0.1:$port/_ping"
    [ "$status" -ne 0 ]
    run curl -s --cacert ca.pem --cert other.pem --key other-key.pem "https://127.0.0.1:$port/_ping"
    [ "$status" -ne 0 ]
    run curl -s -m 3 "http://127.0.0.1:$port/_ping"
    [ "$output" != OK ]
    # the docker CLI as Docker's docs set it up
    DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$WORK/client DOCKER_CONFIG=$WORK/dc \
        run docker run --rm --network none busybox echo over-tls
    [ "$status" -eq 0 ]
    [ "$output" = over-tls ]
}
