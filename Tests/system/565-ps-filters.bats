#!/usr/bin/env bats
# ps --filter (every Docker key), ps -s and the ps template fields as
# Docker renders them (#15).

load helpers

names() { hive ps -a --format '{{.Names}}' "$@" | sort | tr '\n' ' '; }

@test "ps --filter volume, network, publish, expose, id, name (a regular expression), label, ancestor, isolation, is-task" {
    import_busybox
    hive volume create vol1 >/dev/null
    hive network create net1 >/dev/null
    hive create --name withvol --network none -v vol1:/data -v "$WORK":/host --label tier=db --label team=x busybox true >/dev/null
    hive create --name pub --publish 8080:80 --publish 9000-9001:7000-7001/udp --label tier=web busybox true >/dev/null
    hive create --name exp --network none --expose 5000/tcp busybox true >/dev/null
    hive create --name onnet --network net1 busybox true >/dev/null
    hive tag busybox child:1
    [ "$(names --filter volume=vol1)" = "withvol " ]
    [ "$(names --filter volume=/data)" = "withvol " ]
    [ "$(names --filter volume="$WORK")" = "withvol " ]
    [ "$(names --filter volume=nope)" = "" ]
    [ "$(names --filter network=net1)" = "onnet " ]
    netid=$(hive network inspect net1 -f '{{.Id}}')
    [ "$(names --filter network="${netid:0:8}")" = "onnet " ]
    [ "$(names --filter network=none)" = "exp withvol " ]
    [ "$(names --filter network=bridge)" = "pub " ]
    [ "$(names --filter network=net1 --filter network=none)" = "exp onnet withvol " ]
    [ "$(names --filter publish=80)" = "pub " ]
    [ "$(names --filter publish=80/tcp)" = "pub " ]
    [ "$(names --filter publish=80/udp)" = "" ]
    [ "$(names --filter publish=7001/udp)" = "pub " ]
    [ "$(names --filter publish=6990-7000/udp)" = "pub " ]
    [ "$(names --filter publish=8080)" = "" ]
    [ "$(names --filter expose=5000)" = "exp " ]
    [ "$(names --filter expose=80)" = "pub " ]
    [ "$(names --filter expose=4000-5000/tcp)" = "exp " ]
    [ "$(names --filter name=^pu)" = "pub " ]
    [ "$(names --filter 'name=^/exp$')" = "exp " ]
    [ "$(names --filter name=l --filter name=^on)" = "onnet withvol " ]
    id=$(hive ps -aq --no-trunc --filter name=exp)
    [ "$(names --filter id="${id:0:6}")" = "exp " ]
    [ "$(names --filter label=tier)" = "pub withvol " ]
    [ "$(names --filter label=tier --filter label=team=x)" = "withvol " ]
    [ "$(names --filter label=tier=web)" = "pub " ]
    [ "$(names --filter ancestor=busybox --filter label=tier=db)" = "withvol " ]
    [ "$(names --filter ancestor=child:1 | wc -w)" -eq 4 ]
    [ "$(names --filter isolation=default | wc -w)" -eq 4 ]
    [ "$(names --filter is-task=false | wc -w)" -eq 4 ]
    [ "$(names --filter is-task=true)" = "" ]
    [ "$(names --filter before=exp)" = "pub withvol " ]
    [ "$(names --filter since=pub)" = "exp onnet " ]
    [ "$(names --filter status=created | wc -w)" -eq 4 ]
    [ "$(names --filter volume=vol1 --filter label=tier=web)" = "" ]
    # created containers are not running: without -a they are listed only by filters that imply it
    [ -z "$(hive ps -q --filter label=tier)" ]
    [ "$(hive ps -q --filter status=created | wc -l)" -eq 4 ]
}

@test "ps --filter: bad keys and values get Docker's errors" {
    run_hive 125 ps --filter foo=1
    [[ "$output" == *"invalid filter 'foo'"* ]]
    run_hive 125 ps --filter FOO=1
    [[ "$output" == *"invalid filter 'foo'"* ]]
    run_hive 125 ps --filter status=sleeping
    [[ "$output" == *"invalid filter 'status=sleeping'"* ]]
    run_hive 125 ps --filter health=great
    [[ "$output" == *"Unrecognised filter value for health: great"* ]]
    run_hive 125 ps --filter exited=x
    [[ "$output" == *"invalid filter 'exited=x'"* ]]
    run_hive 125 ps --filter publish=1:2
    [[ "$output" == *"filter for 'publish' should not contain ':': 1:2"* ]]
    run_hive 125 ps --filter expose=http
    [[ "$output" == *"error while looking up for expose http"* ]]
    run_hive 125 ps --filter is-task=maybe
    [[ "$output" == *"invalid filter 'is-task=maybe'"* ]]
    run_hive 125 ps --filter before=ghost
    [[ "$output" == *"no such container: ghost"* ]]
    run_hive 125 ps --filter name
    [[ "$output" == *"bad format of filter"* ]]
}

@test "ps --filter health, exited, status on running and exited containers" {
    import_busybox
    hive run -d --network none --name h1 --health-cmd 'test -f /tmp/ok' --health-interval 200ms --health-retries 1 busybox \
        sh -c 'touch /tmp/ok; sleep 60' >/dev/null
    hive run -d --network none --name plain busybox sleep 60 >/dev/null
    hive run --network none --name ex3 busybox sh -c 'exit 3' || true
    for _ in $(seq 100); do [ "$(hive ps --filter health=healthy -q)" ] && break; sleep 0.1; done
    [ "$(names --filter health=healthy)" = "h1 " ]
    [ "$(names --filter health=none --filter status=running)" = "plain " ]
    [ "$(names --filter health=starting --filter health=unhealthy)" = "" ]
    [ "$(names --filter exited=3)" = "ex3 " ]
    [ "$(names --filter exited=0)" = "" ]
    [ "$(hive ps --filter status=exited --format '{{.Names}}')" = "ex3" ]
    [ "$(hive ps --format '{{.Names}}' | sort | tr '\n' ' ')" = "h1 plain " ]
    hive rm -f h1 plain >/dev/null
}

@test "ps -s: Docker's SIZE column; a template with .Size asks for it; --size=false leaves it empty" {
    import_busybox
    hive run --network none --name w busybox sh -c 'head -c 3000 /dev/zero > /f'
    run_hive 0 ps -a -s
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES\ +SIZE$ ]]
    [[ "${lines[1]}" =~ [0-9.]+kB\ \(virtual\ [0-9.]+MB\)$ ]]
    run_hive 0 ps -a --format '{{.Size}}'
    [[ "$output" =~ ^3(\.[0-9]+)?kB\ \(virtual\ [0-9.]+MB\)$ ]]
    run_hive 0 ps -a --size=false --format '[{{.Size}}]'
    [ "$output" = "[]" ]
    run_hive 0 ps -a --format 'table {{.Names}}\t{{.Size}}'
    [[ "${lines[0]}" =~ ^NAMES\ +SIZE$ ]]
}

@test "ps template fields: .Command quoted as Go, .Mounts, .LocalVolumes, .Networks, .Labels, .Label, .State, .Status, .CreatedAt, .RunningFor, .ID, .Image" {
    import_busybox
    hive volume create averyveryverylongvolumename >/dev/null
    hive create --name f1 --network none -v averyveryverylongvolumename:/v -v "$WORK":/w --label b=2 --label a=1 busybox \
        sh -c 'echo "q\t" ok' >/dev/null
    run_hive 0 ps -a --format '{{.Command}}'
    [ "$output" = '"sh -c echo \"q\\t\" ok"' ]
    run_hive 0 ps -a --no-trunc --format '{{.Command}}'
    [ "$output" = '"sh -c echo \"q\\t\" ok"' ]
    hive create --name f2 --network none busybox sh -c 'echo 123456789 123456789 123456789' >/dev/null
    run_hive 0 ps -a --filter name=f2 --format '{{.Command}}'
    [ "$output" = '"sh -c echo 12345678…"' ]
    run_hive 0 ps -a --filter name=f1 --format '{{.Mounts}}|{{.LocalVolumes}}|{{.Networks}}|{{.Labels}}|{{.Label "b"}}|{{.State}}|{{.Status}}|{{.Image}}'
    [ "$output" = "averyveryveryl…,${WORK:0:14}…|1|none|a=1,b=2|2|created|Created|busybox" ]
    run_hive 0 ps -a --filter name=f1 --no-trunc --format '{{.Mounts}}|{{len .ID}}'
    [ "$output" = "averyveryverylongvolumename,$WORK|64" ]
    run_hive 0 ps -a --filter name=f1 --format '{{.CreatedAt}}|{{.RunningFor}}|{{len .ID}}'
    [[ "$output" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ \+0000\ UTC\|(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\|12$ ]]
    run_hive 0 ps -a --filter name=f1 --format json
    echo "$output" | python3 -c '
import json,sys
d=json.loads(sys.stdin.read())
assert d["LocalVolumes"]=="1" and d["Networks"]=="none" and d["Names"]=="f1" and d["State"]=="created", d
assert set(d) >= {"Command","CreatedAt","ID","Image","Labels","LocalVolumes","Mounts","Names","Networks","Ports","RunningFor","Size","State","Status"}, d'
    run_hive 0 ps -a --format 'table {{.Names}}\t{{.Mounts}}\t{{.LocalVolumes}}\t{{.Networks}}\t{{.Label "a"}}' --filter name=f1
    [[ "${lines[0]}" =~ ^NAMES\ +MOUNTS\ +LOCAL\ VOLUMES\ +NETWORKS\ +LABEL$ ]]
}
