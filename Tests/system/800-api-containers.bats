#!/usr/bin/env bats
# The Engine API's container endpoints (issue #17): conformance over the
# socket with curl and python (statuses, shapes against dockerd's answers in
# Tests/fixtures/docker-api/raw), the docker CLI through DOCKER_HOST, a
# pre-create hook's denial, and the API and `hive ps` seeing one store.

load helpers
load api

RAW=$BATS_TEST_DIRNAME/../fixtures/docker-api/raw

teardown() { teardown_containers; }

# keys JSON: the sorted top-level keys of a JSON object (or of a list's first item)
keys() { python3 -c 'import json,sys; v=json.load(sys.stdin); v=v[0] if isinstance(v,list) else v; print(" ".join(sorted(v)))'; }
# rawbody FILE: the body of a raw fixture (after the blank line)
rawbody() { sed '1,/^\r\{0,1\}$/d' "$RAW/$1"; }
# call METHOD PATH [curl args]: api's body in $out, its status in $API_STATUS (api in a $(...) would lose it)
call() { api "$@" > "$WORK/resp"; out=$(cat "$WORK/resp"); }
# field EXPR: a python expression over the JSON on stdin (as v)
field() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }

@test "api: create, start, list, inspect, stop, wait, delete with Docker's statuses and shapes" {
    import_run_base
    start_service
    # create: 201 {Id, Warnings}; a name clash 409; a missing image 404 "No such image"
    call POST '/v1.44/containers/create?name=c1' -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","Cmd":["sh","-c","echo hi; sleep 30"],"Labels":{"app":"web","tier":"x"},"ExposedPorts":{"80/tcp":{}},"HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}}}'
    [ "$API_STATUS" = 201 ]
    id=$(echo "$out" | field 'v["Id"]')
    [ "$(echo "$out" | keys)" = "Id Warnings" ]
    call POST '/containers/create?name=c1' -d '{"Image":"busybox"}'
    [ "$API_STATUS" = 409 ]
    call POST /containers/create -d '{"Image":"nosuch:image"}'
    [ "$API_STATUS" = 404 ]
    [ "$(echo "$out" | field 'v["message"]')" = "No such image: nosuch:image" ]
    call POST /containers/create -d '{"Image":'
    [ "$API_STATUS" = 400 ]
    # the restart policy and the label made it into the container
    [ "$(api GET /containers/c1/json | field 'v["HostConfig"]["RestartPolicy"]["Name"], v["HostConfig"]["RestartPolicy"]["MaximumRetryCount"]')" = "on-failure 2" ]

    # start 204, again 304; the list item has dockerd's keys and the published port
    api POST /containers/c1/start >/dev/null; [ "$API_STATUS" = 204 ]
    api POST /containers/c1/start >/dev/null; [ "$API_STATUS" = 304 ]
    call GET '/containers/json?filters=%7B%22id%22%3A%5B%22'"$id"'%22%5D%7D'
    [ "$(echo "$out" | keys)" = "$(rawbody container-list-all.txt | keys)" ]
    [ "$(echo "$out" | field 'v[0]["Ports"][0]["PrivatePort"], v[0]["Ports"][0]["PublicPort"] > 0, v[0]["HostConfig"]["NetworkMode"], sorted(v[0]["NetworkSettings"]["Networks"])')" = "80 True bridge ['bridge']" ]
    # label filters in both shapes, key-only too; an unknown filter is 400
    [ "$(api GET '/containers/json?filters=%7B%22label%22%3A%7B%22app%3Dweb%22%3Atrue%7D%7D' | field 'len(v)')" = 1 ]
    [ "$(api GET '/containers/json?filters=%7B%22label%22%3A%5B%22tier%22%5D%7D' | field 'len(v)')" = 1 ]
    [ "$(api GET '/containers/json?filters=%7B%22label%22%3A%5B%22app%3Ddb%22%5D%7D' | field 'len(v)')" = 0 ]
    api GET '/containers/json?filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D' >/dev/null; [ "$API_STATUS" = 400 ]
    api GET '/containers/json?filters=notjson' >/dev/null; [ "$API_STATUS" = 400 ]
    # size=1 adds SizeRw and SizeRootFs
    [ "$(api GET '/containers/json?size=1' | field '"SizeRw" in v[0] and v[0]["SizeRootFs"] > 0')" = True ]

    # DELETE of a running one 409; stop 204 then 304; kill of a stopped one 409
    api DELETE /containers/c1 >/dev/null; [ "$API_STATUS" = 409 ]
    api POST '/containers/c1/stop?t=1' >/dev/null; [ "$API_STATUS" = 204 ]
    api POST '/containers/c1/stop' >/dev/null; [ "$API_STATUS" = 304 ]
    api POST /containers/c1/kill >/dev/null; [ "$API_STATUS" = 409 ]
    api POST /containers/nope/start >/dev/null; [ "$API_STATUS" = 404 ]

    # wait before start (the docker CLI's order): the head comes at once, the status at the exit
    api POST /containers/create?name=w1 -d '{"Image":"busybox","Cmd":["sh","-c","sleep 0.3; exit 3"]}' >/dev/null
    curl -s -N -X POST --unix-socket "$API_SOCK" 'http://hive/containers/w1/wait?condition=next-exit' > "$WORK/wait.out" &
    wpid=$!
    until_true 5 test -e "$WORK/wait.out"
    api POST /containers/w1/start >/dev/null
    wait $wpid
    [ "$(cat "$WORK/wait.out")" = '{"Error":null,"StatusCode":3}' ]
    # not-running on a stopped one: at once
    [ "$(api POST /containers/w1/wait | field 'v["StatusCode"]')" = 3 ]
    api POST '/containers/w1/wait?condition=bogus' >/dev/null; [ "$API_STATUS" = 400 ]
    # condition=removed of a --rm container that exits and goes while the
    # service sleeps (SIGSTOP): no poll sees its exit or its record, and the
    # status still comes (from its die event), not 0
    api POST /containers/create?name=w2 -d '{"Image":"busybox","Cmd":["sh","-c","exit 7"],"HostConfig":{"AutoRemove":true}}' >/dev/null
    curl -s -N -X POST --unix-socket "$API_SOCK" -D "$WORK/w2.head" 'http://hive/containers/w2/wait?condition=removed' > "$WORK/w2.out" &
    wpid=$!
    until_true 5 test -s "$WORK/w2.head"
    sleep 0.2
    kill -STOP "$API_PID"
    run_hive 0 start w2
    until_true 10 bash -c "! '$HIVE' inspect w2 >/dev/null 2>&1"
    kill -CONT "$API_PID"
    wait $wpid
    [ "$(cat "$WORK/w2.out")" = '{"Error":null,"StatusCode":7}' ]

    api DELETE '/containers/c1?force=True&v=True&link=False' >/dev/null; [ "$API_STATUS" = 204 ]
    api DELETE /containers/c1 >/dev/null; [ "$API_STATUS" = 404 ]
}

@test "api: the create body's keys reach the container as the CLI's flags do" {
    import_run_base
    start_service
    body='{"Image":"busybox","Cmd":["sleep","30"],"Env":["A=1"],"WorkingDir":"/tmp","User":"0:0","Hostname":"hh","Domainname":"dd",
      "Entrypoint":["sh","-c","exec \"$@\"","--"],"StopSignal":"SIGUSR1","StopTimeout":3,"Volumes":{"/anon":{}},
      "Healthcheck":{"Test":["CMD","true"],"Interval":1000000000,"Retries":2},
      "HostConfig":{"Binds":["'"$WORK"':/host:ro"],"Mounts":[{"Type":"tmpfs","Target":"/scratch","TmpfsOptions":{"SizeBytes":1048576}},{"Type":"volume","Source":"vol1","Target":"/data"}],
        "Tmpfs":{"/run2":"size=64k"},"CapAdd":["NET_ADMIN"],"CapDrop":["MKNOD"],"ReadonlyRootfs":true,"Init":true,
        "Memory":67108864,"NanoCpus":500000000,"PidsLimit":64,"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],
        "Sysctls":{"net.ipv4.ip_forward":"1"},"ShmSize":1048576,"ExtraHosts":["db:10.0.0.5"],"Dns":["10.0.0.53"],
        "LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}},"RestartPolicy":{"Name":"unless-stopped"}}}'
    call POST '/containers/create?name=full' -d "$body"
    [ "$API_STATUS" = 201 ] || { echo "$out"; false; }
    ins=$(api GET /containers/full/json)
    echo "$ins" | field 'v["Config"]["Env"]' | grep -q "'A=1'"
    [ "$(echo "$ins" | field 'v["Config"]["WorkingDir"], v["Config"]["User"], v["Config"]["Hostname"], v["Config"]["StopSignal"]')" = "/tmp 0:0 hh SIGUSR1" ]
    [ "$(echo "$ins" | field 'v["HostConfig"]["Memory"], v["HostConfig"]["NanoCpus"], v["HostConfig"]["PidsLimit"], v["HostConfig"]["ReadonlyRootfs"], v["HostConfig"]["RestartPolicy"]["Name"]')" = "67108864 500000000 64 True unless-stopped" ]
    [ "$(echo "$ins" | field 'sorted(m["Destination"] for m in v["Mounts"])')" = "['/anon', '/data', '/host']" ]
    [ "$(echo "$ins" | field 'v["Config"]["Healthcheck"]["Test"]')" = "['CMD', 'true']" ]
    # it runs with them
    api POST /containers/full/start >/dev/null; [ "$API_STATUS" = 204 ]
    run_hive 0 exec full sh -c 'cat /proc/sys/net/ipv4/ip_forward; ulimit -n; grep -c "db" /etc/hosts; grep -c 10.0.0.53 /etc/resolv.conf; touch /x 2>&1 || echo ro'
    [ "${lines[0]}" = 1 ]
    [ "${lines[1]}" = 1024 ]
    [ "${lines[2]}" = 1 ]
    [ "${lines[3]}" = 1 ]
    [[ "${lines[4]}" == *"Read-only file system"* ]]

    # a key hive refuses gets the CLI flag's error; a wrong type is 400
    call POST /containers/create -d '{"Image":"busybox","HostConfig":{"Runtime":"runsc"}}'
    [ "$API_STATUS" = 400 ]
    run_hive 125 create --runtime runsc busybox
    [ "$(echo "$out" | field 'v["message"]')" = "${output#hive: }" ] || [[ "$output" == *"$(echo "$out" | field 'v["message"]')"* ]]
    call POST /containers/create -d '{"Image":"busybox","HostConfig":{"Links":["a:b"]}}'
    [ "$API_STATUS" = 400 ]
    [[ "$out" == *"--link a:b is not supported"* ]]
    call POST /containers/create -d '{"Image":"busybox","Cmd":42}'
    [ "$API_STATUS" = 400 ]
    [[ "$out" == *"invalid Cmd"* ]]
    # nothing was left by the refused ones
    [ "$(hive ps -aq | wc -l)" = 1 ]
    # host networking discards published ports with Docker's warning in Warnings
    call POST /containers/create -d '{"Image":"busybox","HostConfig":{"NetworkMode":"host","PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}'
    [ "$API_STATUS" = 201 ]
    [ "$(echo "$out" | field 'v["Warnings"]')" = "['Published ports are discarded when using host network mode']" ]
}

@test "api: the docker CLI drives containers through DOCKER_HOST" {
    import_run_base
    start_service
    run docker create --name d1 -l app=web busybox sleep 30
    [ "$status" -eq 0 ]
    run docker run -d --name d2 -l app=db -p 127.0.0.1::80 busybox httpd -f -p 80
    [ "$status" -eq 0 ]
    run docker ps -a --format '{{.Names}} {{.Status}}'
    [[ "$output" == *"d1 Created"* ]]
    [[ "$output" == *"d2 Up"* ]]
    run docker ps --filter label=app=db --format '{{.Names}} {{.Ports}}'
    [[ "$output" == "d2 127.0.0.1:"*"->80/tcp" ]]
    [ "$(docker inspect -f '{{.State.Running}} {{.Config.Labels.app}}' d2)" = "true db" ]
    run docker top d2
    [ "$status" -eq 0 ]
    [[ "$output" == *"httpd -f -p 80"* ]]
    run docker stats --no-stream --format '{{.Name}} {{.PIDs}}' d2
    [ "$status" -eq 0 ]
    [ "$output" = "d2 1" ]
    docker pause d2
    [[ "$(docker ps --filter name=d2 --format '{{.Status}}')" == *Paused* ]]
    docker unpause d2
    docker restart -t 1 d2
    docker rename d2 d3
    [ "$(hive ps --format '{{.Names}}')" = d3 ]
    echo payload > "$WORK/in.txt"
    docker cp "$WORK/in.txt" d3:/tmp/
    docker cp d3:/tmp/in.txt "$WORK/out.txt"
    [ "$(cat "$WORK/out.txt")" = payload ]
    # a path that is not there: 404 (HEAD and GET) in Docker's words
    [ "$(curl -s -I -o /dev/null -w '%{http_code}' --unix-socket "$API_SOCK" 'http://hive/containers/d3/archive?path=/nope')" = 404 ]
    api GET '/containers/d3/archive?path=/nope' >/dev/null; [ "$API_STATUS" = 404 ]
    run docker cp d3:/nope "$WORK/nope"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Could not find the file /nope in container d3"* ]]
    docker stop -t 1 d3
    docker start d3
    docker rm -f d3
    run docker container prune -f
    [ "$status" -eq 0 ]
    [[ "$output" == *"Deleted Containers"* ]]
    [ -z "$(hive ps -aq)" ]
}

@test "api: stats carries Docker's CPU (user, kernel, throttling), memory.stat and per-interface counters" {
    import_run_base
    start_service
    # a user network: its bridge is this store's own (the file's tests share one namespace)
    hive network create statsnet >/dev/null
    hive run -d --name s1 --network statsnet --cpus 0.2 busybox sh -c 'while :; do :; done' >/dev/null
    hive run -d --name s2 --network host busybox sleep 60 >/dev/null
    gw=$(hive inspect -f '{{.NetworkSettings.Networks.statsnet.Gateway}}' s1)
    run_hive 0 exec s1 ping -c 3 -i 0.2 -s 500 "$gw"
    sleep 0.3
    call GET '/containers/s1/stats?stream=false&one-shot=true'
    [ "$API_STATUS" = 200 ]
    [ "$(field 'v["cpu_stats"]["cpu_usage"]["usage_in_usermode"] > 0' <<<"$out")" = True ]
    [ "$(field 'v["cpu_stats"]["cpu_usage"]["usage_in_usermode"] + v["cpu_stats"]["cpu_usage"]["usage_in_kernelmode"] <= v["cpu_stats"]["cpu_usage"]["total_usage"] * 1.1 + 2e7' <<<"$out")" = True ]
    # --cpus: a CFS quota, its periods counted and the busy loop throttled
    [ "$(field 'v["cpu_stats"]["throttling_data"]["periods"] > 0 and v["cpu_stats"]["throttling_data"]["throttled_periods"] > 0' <<<"$out")" = True ]
    # memory: the cgroup's usage with its memory.stat (the docker CLI subtracts the inactive file cache)
    [ "$(field '"inactive_file" in v["memory_stats"]["stats"] and v["memory_stats"]["usage"] > 0' <<<"$out")" = True ]
    # the container's own interfaces, not lo, with packet counts
    [ "$(field 'sorted(v["networks"])' <<<"$out")" = "['eth0']" ]
    [ "$(field 'v["networks"]["eth0"]["tx_packets"] >= 3 and v["networks"]["eth0"]["rx_packets"] >= 3' <<<"$out")" = True ]
    # --network host: no interfaces of its own, so none (the host's are not the container's)
    call GET '/containers/s2/stats?stream=false&one-shot=true'
    [ "$(field '"networks" in v' <<<"$out")" = False ]
    run_hive 0 stats --no-stream --format '{{.NetIO}}' s2
    [ "$output" = "0B / 0B" ]
    hive rm -f s1 s2 >/dev/null
    hive network rm statsnet >/dev/null
}

@test "api: a pre-create hook's denial is 403 with its reason; the API and hive ps see one store" {
    import_run_base
    start_service
    add_hook 10-deny.lua <<'EOF'
hive.on("pre-create", function(c) if c.labels.forbidden then hive.deny("forbidden label") end end)
EOF
    call POST /containers/create -d '{"Image":"busybox","Labels":{"forbidden":"1"}}'
    [ "$API_STATUS" = 403 ]
    [[ "$out" == *"forbidden label"* ]]
    run docker create -l forbidden=1 busybox true
    [ "$status" -ne 0 ]
    [[ "$output" == *"forbidden label"* ]]
    [ -z "$(hive ps -aq)" ]
    # made by the CLI, seen by the API; made by the API, seen by the CLI
    hive create --name fromcli busybox true >/dev/null
    [ "$(api GET '/containers/json?all=1' | field 'v[0]["Names"][0]')" = /fromcli ]
    api POST '/containers/create?name=fromapi' -d '{"Image":"busybox","Cmd":["true"]}' >/dev/null
    [ "$(hive ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "fromapi fromcli " ]
    # prune answers Docker's shape
    call POST /containers/prune
    [ "$(echo "$out" | keys)" = "ContainersDeleted SpaceReclaimed" ]
    [ "$(echo "$out" | field 'len(v["ContainersDeleted"])')" = 2 ]
}
