#!/usr/bin/env bats
# images --filter/--digests and fields, history --format/-q/--no-trunc/-H,
# events --filter (every Docker key), --since/--until, --format fields (#15).

load helpers

build_app() {
    mkdir -p "$WORK/ctx"
    printf 'FROM busybox\nRUN printf "a\\tb" > /f && echo padding-padding-padding-padding-padding-padding\nLABEL tier=app\n' > "$WORK/ctx/Dockerfile"
    hive build -q -t app:1 "$WORK/ctx" >/dev/null
}

@test "images: label! filter, --digests with <none> for images no registry knows, template fields as Docker" {
    import_busybox
    build_app
    [ "$(hive images --filter 'label!=tier' --format '{{.Repository}}')" = "busybox" ]
    [ "$(hive images --filter label=tier=app --format '{{.Repository}}')" = "app" ]
    [ "$(hive images --filter 'reference=app:*' --filter 'reference=busy*' --format '{{.Repository}}' | sort | tr '\n' ' ')" = "app busybox " ]
    [ "$(hive images --filter since=busybox --format '{{.Repository}}')" = "app" ]
    [ "$(hive images --filter before=app:1 --format '{{.Repository}}')" = "busybox" ]
    [ "$(hive images --filter dangling=false --filter label=tier --format '{{.Repository}}')" = "app" ]
    run_hive 0 images --digests
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^app\ +1\ +\<none\>\ +[0-9a-f]{12}\  ]]
    run_hive 0 images --filter reference=app --format '{{.Digest}}|{{.Containers}}|{{.SharedSize}}|{{.UniqueSize}}|{{.VirtualSize}}|{{.Size}}|{{len .ID}}'
    [[ "$output" =~ ^\<none\>\|N/A\|N/A\|N/A\|([0-9.]+MB)\|([0-9.]+MB)\|12$ ]]
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
    run_hive 0 images --filter reference=app --format '{{.CreatedSince}}|{{.CreatedAt}}'
    [[ "$output" =~ ^(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\|20[0-9]{2}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+0000\ UTC$ ]]
    run_hive 0 images --format 'table {{.Repository}}\t{{.Digest}}\t{{.Containers}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.VirtualSize}}'
    [[ "${lines[0]}" =~ ^REPOSITORY\ +DIGEST\ +CONTAINERS\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +VIRTUAL\ SIZE$ ]]
    run_hive 125 images --filter 'label!'
    run_hive 125 images --filter nope=1
    [[ "$output" == *"invalid filter 'nope'"* ]]
}

@test "history: --format fields, -q lists every row, --no-trunc, -H=false" {
    import_busybox
    build_app
    run_hive 0 history app:1
    [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
    [ "${#lines[@]}" -eq 4 ]
    run_hive 0 history -q app:1
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
    [ "${lines[1]}" = "<missing>" ]
    run_hive 0 history -q --no-trunc app:1
    [[ "${lines[0]}" =~ ^sha256:[0-9a-f]{64}$ ]]
    run_hive 0 history --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' app:1
    [ "${lines[0]}" = "${lines[0]%%|*}|LABEL tier=app|buildkit.dockerfile.v0" ]
    by=$(echo "${lines[1]}" | cut -d'|' -f2)
    [ "${#by}" -eq 45 ]
    [[ "$by" == "RUN /bin/sh -c printf"*"…" ]]
    run_hive 0 history --no-trunc --format '{{.CreatedBy}}' app:1
    [[ "${lines[1]}" == *"padding-padding-padding-padding-padding-padding # buildkit" ]]
    run_hive 0 history --format '{{.CreatedSince}}|{{.CreatedAt}}|{{.Size}}' app:1
    [[ "${lines[1]}" =~ ^(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\|20[0-9-]{8}T[0-9:]{8}Z\|[0-9]+B$ ]]
    run_hive 0 history -H=false --format '{{.CreatedSince}}|{{.CreatedAt}}|{{.Size}}' app:1
    [[ "${lines[2]}" =~ ^(20[0-9-]{8}T[0-9:]{8}Z)\|(20[0-9-]{8}T[0-9:]{8}Z)\|[0-9]{6,}$ ]]
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
    run_hive 0 history --format json app:1
    echo "${lines[0]}" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert set(d)=={"ID","CreatedSince","CreatedAt","CreatedBy","Size","Comment"}, d'
}

@test "events --filter: every Docker key, values of a key ORed, keys ANDed; bad keys refused" {
    import_busybox
    hive create --name c1 --network none --label team=a --label tier=db busybox true >/dev/null
    hive create --name c2 --network none busybox true >/dev/null
    hive volume create v1 >/dev/null
    hive network create n1 >/dev/null
    hive tag busybox other:2
    ev() { hive events --until 0s --format '{{.Type}} {{.Action}} {{with .Actor.Attributes.name}}{{.}}{{else}}{{$.Actor.ID}}{{end}}' "$@" | sort -u | tr '\n' ';'; }
    [ "$(ev --filter container=c1)" = "container create c1;" ]
    [ "$(ev --filter container=c1 --filter container=c2)" = "container create c1;container create c2;" ]
    c2id=$(hive ps -aq --no-trunc --filter name=c2)
    [ "$(ev --filter container="${c2id:0:10}")" = "container create c2;" ]
    [ "$(ev --filter type=volume)" = "volume create v1;" ]
    [ "$(ev --filter volume=v1)" = "volume create v1;" ]
    [ "$(ev --filter type=network)" = "network create n1;" ]
    [ "$(ev --filter network=n1)" = "network create n1;" ]
    [ "$(ev --filter type=image --filter event=tag)" = "image tag other:2;" ]
    [ "$(ev --filter image=other:2)" = "image tag other:2;" ]
    [ "$(ev --filter image=busybox --filter type=container)" = "container create c1;container create c2;" ]
    [ "$(ev --filter label=team=a)" = "container create c1;" ]
    [ "$(ev --filter label=team=a --filter label=tier=web)" = "" ]
    [ "$(ev --filter label=team --filter label=tier=db)" = "container create c1;" ]
    [ "$(ev --filter type=container --filter type=volume | tr ';' '\n' | wc -l)" -eq 3 ]
    [ "$(ev --filter scope=local --filter type=volume)" = "volume create v1;" ]
    [ "$(ev --filter scope=swarm)" = "" ]
    [ "$(ev --filter daemon=x)" = "" ]
    run_hive 125 events --until 0s --filter foo=bar
    [[ "$output" == *"invalid filter 'foo'"* ]]
    run_hive 125 events --until 0s --filter container
    [[ "$output" == *"bad format of filter"* ]]
}

@test "events --since/--until: durations, RFC 3339 and unix times; --format fields as Docker's Message" {
    import_busybox
    hive create --name c1 --network none busybox true >/dev/null
    run_hive 0 events --since 1h --until 0s --filter container=c1 --format '{{.Type}}|{{.Action}}|{{.Status}}|{{.From}}|{{.Scope}}|{{len .ID}}|{{len .Actor.ID}}|{{.Actor.Attributes.image}}'
    [ "$output" = "container|create|create|busybox:latest|local|64|64|busybox:latest" ]
    run_hive 0 events --until 0s --filter container=c1 --format '{{.Time}} {{.TimeNano}}'
    read -r t tn <<<"$output"
    [ "$t" -eq "${tn:0:10}" ]
    [ "$(hive events --since "$((t + 5))" --until 0s --filter container=c1)" = "" ]
    [ "$(hive events --since "$((t - 5))" --until "$((t + 5))" --filter container=c1 | wc -l)" -eq 1 ]
    [ "$(hive events --until "$((t - 5))" --filter container=c1)" = "" ]
    since=$(date -u -d "@$((t - 5))" +%Y-%m-%dT%H:%M:%SZ)
    [ "$(hive events --since "$since" --until 0s --filter container=c1 | wc -l)" -eq 1 ]
    run_hive 0 events --until 0s --filter container=c1
    [[ "$output" =~ ^20[0-9-]{8}T[0-9:]{8}\.[0-9]{9}Z\ container\ create\ [0-9a-f]{64}\ \(image=busybox:latest,\ name=c1\)$ ]]
    run_hive 0 events --until 0s --filter type=volume --format '[{{.Status}}][{{.ID}}][{{.From}}]'
    [ -z "$output" ] || [[ "$output" == "[][][]"* ]]
    hive volume create v1 >/dev/null
    run_hive 0 events --until 0s --filter type=volume --format '[{{.Status}}][{{.ID}}][{{.From}}] {{.Actor.ID}}'
    [ "$output" = "[][][] v1" ]
    run_hive 0 events --until 0s --filter container=c1 --format json
    echo "$output" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Type"]=="container" and d["status"]=="create" and d["scope"]=="local" and d["Actor"]["Attributes"]["name"]=="c1", d'
    # a bad template fails at once, before waiting for events
    run_hive 125 events --format '{{.Nope}}'
    [[ "$output" == *"can't evaluate field Nope"* ]]
    run_hive 125 events --since yesterday --until 0s
    [[ "$output" == *'invalid time "yesterday"'* ]]
}
