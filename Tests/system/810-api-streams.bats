#!/usr/bin/env bats
# The Engine API's streams (issue #17): attach (before start: nothing lost;
# stdin and its half-close; a tty), logs (framed, follow), exec (create,
# start, inspect, -i, -t, -e -u -w), events with labels, resize; through the
# real docker CLI 28 and raw sockets (the frame headers).
load helpers
load api

HIJACK="python3 $REPO/Tests/fixtures/docker-api/hijack.py"

teardown() {
    stop_service
    teardown_containers
}

@test "docker run: attached output, stdin with its end, a tty" {
    import_busybox
    start_service
    run docker run --rm busybox echo hello
    [ "$output" = "hello" ]
    run docker run --rm busybox sh -c 'echo out; echo err >&2'
    [[ "$output" == *out* && "$output" == *err* ]]
    # stdin: the client's half-close ends the container's (cat exits)
    run bash -c 'printf "hi\nthere\n" | timeout 20 docker run -i --rm busybox cat'
    [ "$output" = $'hi\nthere' ]
    run timeout 20 script -qfec "docker run -it --rm busybox tty" /dev/null
    [[ "$output" == */dev/pts/* ]]
    # --rm: nothing left
    wait_for 10 bash -c '[ -z "$("$HIVE" ps -aq)" ]'
}

@test "docker run's exit code; docker attach" {
    import_busybox
    start_service
    # the status comes from POST /containers/{id}/wait?condition=next-exit:
    # it waits for a created container's next exit (curl's 28: its time ran out)
    id=$(hive create busybox true)
    run curl -s -m 1 -X POST --unix-socket "$API_SOCK" "http://hive/v1.44/containers/$id/wait?condition=next-exit"
    hive rm -f "$id" >/dev/null
    [ "$status" -eq 28 ]
    run docker run --rm busybox sh -c 'echo out; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = "out" ]
    run docker run --rm busybox true
    [ "$status" -eq 0 ]
    # docker attach: output from a running container, its exit code
    docker run -d --name at busybox sh -c 'sleep 1; for i in 0 1 2; do echo tick $i; sleep 0; done; exit 5' >/dev/null
    run timeout 20 docker attach --no-stdin at
    [ "$status" -eq 5 ]
    [[ "$output" == *"tick 0"*"tick 2"* ]]
}

@test "attach before start gets every byte, framed without a tty, raw with one" {
    import_busybox
    start_service
    id=$(hive create busybox sh -c 'echo out; echo err >&2')
    run $HIJACK "$API_SOCK" "/v1.44/containers/$id/attach?stream=1&stdout=1&stderr=1" '' --start "/v1.44/containers/$id/start"
    [ "$status" -eq 0 ]
    [[ "$output" == *"HTTP/1.1 101 UPGRADED"* ]]
    [[ "$output" == *"Content-Type: application/vnd.docker.multiplexed-stream"* ]]
    # stdout "out\n" then stderr "err\n", each behind Docker's 8-byte header
    [[ "$output" == *"01 00 00 00 00 00 00 04 6f 75 74 0a"* ]]
    [[ "$output" == *"02 00 00 00 00 00 00 04 65 72 72 0a"* ]]
    tid=$(hive create -t busybox echo tout)
    run $HIJACK "$API_SOCK" "/v1.44/containers/$tid/attach?stream=1&stdout=1&stderr=1" '' --start "/v1.44/containers/$tid/start"
    [[ "$output" == *"Content-Type: application/vnd.docker.raw-stream"* ]]
    [[ "$output" == *"74 6f 75 74 0d 0a"* ]]
    [[ "$output" != *"01 00 00 00"* ]]
    # attached to a running container: what it writes from then on
    rid=$(hive run -d busybox sh -c 'sleep 2; for i in 0 1 2; do echo tick $i; done')
    run $HIJACK "$API_SOCK" "/v1.44/containers/$rid/attach?stream=1&stdout=1&stderr=1" ''
    [[ "$output" == *"hex:"$'\n'"01 00 00 00 00 00 00"* ]]
    [[ "$output" == *"tick 0"*"tick 1"*"tick 2"* ]]
    [[ "$output" != *"timed out"* ]]
    # no waiter socket is left in the container's directory
    [ -z "$(ls "$HIVE_ROOT/containers/$id" | grep attach-wait)" ]
    # an unknown container: 404 before any hijack
    api POST "/v1.44/containers/nope/attach?stream=1&stdout=1"
    [ "$API_STATUS" = 404 ]
}

@test "docker logs, logs -f until the container stops, the framed body" {
    import_busybox
    start_service
    docker run -d --name lg busybox sh -c 'echo one; echo two >&2; echo ready > /tmp/r; exec sleep 100' >/dev/null
    wait_for 10 bash -c "docker logs lg 2>&1 | grep -q two"
    run docker logs lg
    [[ "$output" == *one*two* ]]
    run docker logs --tail 1 lg
    [ "$output" = "two" ]
    # the raw body: a frame per line, stdout 1 and stderr 2
    api GET "/v1.44/containers/lg/logs?stdout=1&stderr=1" -o "$WORK/logs.bin"
    [ "$API_STATUS" = 200 ]
    run od -An -tx1 -v "$WORK/logs.bin"
    [[ "$(echo $output)" == *"01 00 00 00 00 00 00 04 6f 6e 65 0a 02 00 00 00 00 00 00 04 74 77 6f 0a"* ]]
    run curl -s -D - -o /dev/null --unix-socket "$API_SOCK" "http://hive/v1.44/containers/lg/logs?stdout=1"
    [[ "$output" == *"Content-Type: application/vnd.docker.multiplexed-stream"* ]]
    api GET "/v1.44/containers/lg/logs"
    [ "$API_STATUS" = 400 ]
    # -f ends when the container stops
    docker logs -f lg > "$WORK/follow.out" 2>&1 &
    follow=$!
    wait_for 10 grep -q two "$WORK/follow.out"
    kill -0 $follow
    docker stop -t 1 lg >/dev/null
    wait_for 10 bash -c "! kill -0 $follow 2>/dev/null"
    wait $follow
}

@test "docker exec: exit code, -e -u -w, -i with stdin, -it a tty; exec inspect" {
    import_busybox
    start_service
    docker run -d --name ex busybox sleep 100 >/dev/null
    run docker exec ex sh -c 'echo to-out; echo to-err >&2; exit 7'
    [ "$status" -eq 7 ]
    [[ "$output" == *to-out* && "$output" == *to-err* ]]
    # a command that is not there: the message in the stream, exit 127 (the head went out before the launch)
    run -127 docker exec ex nosuchcmd
    [ "$status" -eq 127 ]
    [[ "$output" == *"nosuchcmd"*"not found"* ]]
    run docker exec -e GREETING=hallo -u 1000:1000 -w /tmp ex sh -c 'echo $GREETING $(id -u) $(pwd)'
    [ "$status" -eq 0 ]
    [ "$output" = "hallo 1000 /tmp" ]
    run bash -c 'echo piped | timeout 20 docker exec -i ex cat'
    [ "$output" = "piped" ]
    run timeout 20 script -qfec "docker exec -it ex tty" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == */dev/pts/* ]]
    # the API by hand: create, start (framed), inspect with the exit code
    api POST /v1.44/containers/ex/exec -H 'Content-Type: application/json' \
        -d '{"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","echo ex; echo ee >&2; exit 4"]}' > "$WORK/exec.json"
    [ "$API_STATUS" = 201 ]
    eid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Id"])' "$WORK/exec.json")
    run api GET "/v1.44/exec/$eid/json"
    [[ "$output" == *'"Running":false'* && "$output" == *'"ExitCode":null'* ]]
    run $HIJACK "$API_SOCK" "/v1.44/exec/$eid/start" '{"Detach":false,"Tty":false}'
    [[ "$output" == *"HTTP/1.1 101 UPGRADED"* ]]
    [[ "$output" == *"01 00 00 00 00 00 00 03 65 78 0a"* ]]
    [[ "$output" == *"02 00 00 00 00 00 00 03 65 65 0a"* ]]
    run api GET "/v1.44/exec/$eid/json"
    [[ "$output" == *'"ExitCode":4'* && "$output" == *'"ContainerID"'* && "$output" == *'"entrypoint":"sh"'* ]]
    # -d: the process runs on; its end is recorded
    docker exec -d ex sh -c 'echo detached > /tmp/d'
    wait_for 10 bash -c "docker exec ex cat /tmp/d | grep -q detached"
    # once only; unknown ones 404; a stopped container 409
    api POST "/v1.44/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":false}'
    [ "$API_STATUS" = 409 ]
    api GET /v1.44/exec/nope/json
    [ "$API_STATUS" = 404 ]
    docker kill ex >/dev/null
    hive wait ex >/dev/null
    api POST /v1.44/containers/ex/exec -H 'Content-Type: application/json' -d '{"Cmd":["true"]}'
    [ "$API_STATUS" = 409 ]
}

@test "events: since/until and filters; die carries the labels; resize" {
    import_busybox
    start_service
    t0=$(date +%s)
    id=$(docker run -d -l team=blue busybox true)
    hive wait "$id" >/dev/null
    wait_for_event die --filter "container=$id"
    t1=$(( $(date +%s) + 1 ))
    run timeout 20 docker events --since "$t0" --until "$t1" --filter type=container --format '{{.Action}} {{.Actor.Attributes.team}}'
    [ "$status" -eq 0 ]
    [[ "$output" == *"create blue"* && "$output" == *"start blue"* && "$output" == *"die blue"* ]]
    api GET "/v1.44/events?since=$t0&until=$t1&filters=%7B%22event%22%3A%5B%22die%22%5D%7D" > "$WORK/events.json"
    [ "$API_STATUS" = 200 ]
    run cat "$WORK/events.json"
    [ "$(echo "$output" | grep -c .)" -eq 1 ]
    [[ "$output" == *'"Action":"die"'* && "$output" == *'"team":"blue"'* && "$output" == *'"exitCode":"0"'* && "$output" == *'"status":"die"'* ]]
    api GET "/v1.44/events?filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D"
    [ "$API_STATUS" = 400 ]
    # resize: a tty container's size, through its monitor
    docker run -d -t --name rs busybox sh -c 'while true; do stty size; sleep 1; done' >/dev/null
    api POST "/v1.44/containers/rs/resize?h=33&w=77"
    [ "$API_STATUS" = 200 ]
    wait_for 5 bash -c "'$HIVE' logs rs | grep -q '^33 77'"
    docker kill rs >/dev/null
    hive wait rs >/dev/null
    api POST "/v1.44/containers/rs/resize?h=33&w=77"
    [ "$API_STATUS" = 409 ]
}

@test "the service does not exit on idle while logs -f is open" {
    import_busybox
    sock=$HIVE_RUNROOT/idle.sock
    "$HIVE" system service --time 1 "unix://$sock" 2>"$WORK/idle.err" &
    svc=$!
    echo $svc >> "$WORK/servers.pids"
    until_true 10 curl -sf --unix-socket "$sock" http://hive/_ping -o /dev/null
    id=$(hive run -d busybox sleep 100)
    curl -s -N --unix-socket "$sock" "http://hive/v1.44/containers/$id/logs?stdout=1&follow=1" -o /dev/null &
    follower=$!
    # past the idle time, twice over: still serving
    sleep 2.5
    kill -0 $svc
    hive kill "$id" >/dev/null
    wait_for 10 bash -c "! kill -0 $follower 2>/dev/null"
    # then idle: gone within --time + 1 s
    wait_for 3 bash -c "! kill -0 $svc 2>/dev/null"
}
