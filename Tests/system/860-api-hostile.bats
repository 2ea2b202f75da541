#!/usr/bin/env bats
# The Engine API against hostile input (issue #17's threat model: what a
# legitimate client forwards can be a stranger's). Each test is a finding
# that took the service down or left a client hanging before its fix.
load helpers
load api

teardown() { stop_service; teardown_containers; }

alive() { kill -0 "$API_PID" 2>/dev/null && curl -sf --unix-socket "$API_SOCK" http://hive/_ping -o /dev/null; }

# raw BYTES-PYTHON-EXPR: sends the bytes on a fresh connection and prints
# what came back until the service closed it ("TIMEOUT" if it never did).
raw() {
    python3 - "$API_SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
try:
    s.sendall(eval(sys.argv[2]))
except OSError:
    pass
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout:
    out += b"\nTIMEOUT"
except OSError:
    pass
print(out.decode(errors="replace"))
EOF
}

@test "a request the HTTP parser refuses is answered 400 (431 for a huge head) and closed, not left hanging" {
    start_service
    run raw 'b"GARBAGE\r\n\r\n"'
    [[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
    [[ "$output" == *'"message":"malformed HTTP request'* ]]
    [[ "$output" != *TIMEOUT* ]]
    run raw 'b"POST /_ping HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"'
    [[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
    [[ "$output" != *TIMEOUT* ]]
    run raw 'b"GET /_ping?" + b"a" * 200000 + b" HTTP/1.1\r\nHost: h\r\n\r\n"'
    [[ "$output" == "HTTP/1.1 431 "* ]]
    [[ "$output" == *"too large"* ]]
    [[ "$output" != *TIMEOUT* ]]
    run raw 'b"GET /_ping HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"'
    [[ "$output" == "HTTP/1.1 431 "* ]]
    alive
}

@test "a health-check interval past Int64 nanoseconds is a 400, not a trap that kills the service" {
    import_busybox
    start_service
    api POST /containers/create -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","Healthcheck":{"Test":["CMD","true"],"Interval":9223372036854775807}}' > "$WORK/body"
    echo "$API_STATUS $(cat "$WORK/body")"
    [ "$API_STATUS" = 400 ]
    alive
    # nothing was made
    [ -z "$("$HIVE" ps -aq)" ]
    # the CLI shares the parser
    run "$HIVE" create --health-interval 99999999999999h busybox true
    [ "$status" -ne 0 ]
    [ "$status" -lt 128 ]
    [[ "$output" == *"--health-interval"* ]]
}

@test "an until filter of 1e300 seconds is a 400, not a trap that kills the service" {
    start_service
    local f='%7B%22until%22%3A%5B%221e300%22%5D%7D'   # {"until":["1e300"]}
    for path in /images/prune /containers/prune; do
        api POST "$path?filters=$f" > "$WORK/body"
        echo "$path $API_STATUS $(cat "$WORK/body")"
        [ "$API_STATUS" = 400 ]
        grep -F 'invalid time \"1e300\"' "$WORK/body"
        alive
    done
    api GET "/events?since=1e300"
    [ "$API_STATUS" = 400 ]
    alive
}

@test "a size past Int64 bytes is a 400, not a trap" {
    import_busybox
    run "$HIVE" create --memory 99999999999999999999t busybox true
    [ "$status" -ne 0 ]
    [ "$status" -lt 128 ]
    [[ "$output" == *"invalid size"* ]]
}

@test "stop with t past Int64 nanoseconds stops the container, not the service" {
    import_busybox
    start_service
    local id
    id=$("$HIVE" run -d --network none busybox sh -c 'trap "exit 0" TERM; sleep 100 & wait')
    api POST "/containers/$id/stop?t=9223372036854775807" -m 20 > "$WORK/body"
    echo "$API_STATUS $(cat "$WORK/body")"
    [ "$API_STATUS" = 204 ]
    alive
    [ "$("$HIVE" inspect -f '{{.State.Running}}' "$id")" = false ]
}
