#!/usr/bin/env bats
# The Engine API's image, build, network, volume and system df endpoints
# (issue #17): the docker CLI 28 through DOCKER_HOST (classic builder), and
# curl for the JSON-lines shapes and the error statuses. One store for the
# API and hive's own CLI.
load helpers
load api
load registry

setup() {
    # helpers' setup, then a service on a private socket
    export HIVE_ROOT=$(mktemp -d /tmp/hive-test.XXXXXX) HIVE_RUNROOT=$(mktemp -d /tmp/hive-run.XXXXXX)
    WORK=$(mktemp -d /tmp/hive-work.XXXXXX) CONF=$(mktemp -d /tmp/hive-conf.XXXXXX)
    : > "$CONF/hive.toml"
    export HIVE_CONFIG=$CONF/hive.toml HIVE_HOOKS_DIR=$CONF/hooks.d DOCKER_BUILDKIT=0
    import_busybox
    start_service
}

teardown() {
    stop_service
    servers_stop
    "$HIVE" rm -f $("$HIVE" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    release_runroot_mounts
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF"
}

# A build context in $WORK/ctx: RUN, COPY, ARG, LABEL.
make_context() {
    mkdir -p "$WORK/ctx"
    printf 'FROM busybox\nARG X=1\nLABEL tier=web\nRUN echo run-$X > /f && echo out-of-run\nCOPY hello /hello\nCMD ["cat", "/f"]\n' > "$WORK/ctx/Dockerfile"
    echo hello-file > "$WORK/ctx/hello"
}

@test "docker build (classic): Docker's steps, RUN output, build args, labels; the image is hive's" {
    make_context
    run -0 docker build -t web:1 --build-arg X=7 "$WORK/ctx"
    [[ "$output" == *"Step 1/6 : FROM busybox"* ]]
    [[ "$output" == *"Step 4/6 : RUN echo run-\$X > /f && echo out-of-run"* ]]
    [[ "$output" == *"out-of-run"* ]]
    [[ "$output" == *"Successfully built "* ]]
    [[ "$output" == *"Successfully tagged web:1"* ]]
    # the same store: hive sees it, runs it
    run_hive 0 run --rm --network none web:1
    [ "$output" = "run-7" ]
    run_hive 0 run --rm --network none web:1 cat /hello
    [ "$output" = "hello-file" ]
    [ "$(docker image inspect --format '{{.Config.Labels.tier}}' web:1)" = "web" ]
    # the JSON lines: stream, aux ID, Successfully built
    tar -C "$WORK/ctx" -cf "$WORK/ctx.tar" .
    api POST "/v1.44/build?t=web:2&q=0" -H 'Content-Type: application/x-tar' --data-binary @"$WORK/ctx.tar" > "$WORK/lines"
    [ "$API_STATUS" = 200 ]
    python3 - "$WORK/lines" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines[0] == {"stream": "Step 1/6 : FROM busybox\n"}, lines[0]
ids = [l["aux"]["ID"] for l in lines if "aux" in l]
assert len(ids) == 1 and ids[0].startswith("sha256:"), lines
assert {"stream": "Successfully tagged web:2\n"} in lines, lines
PY
    # a failing RUN: 200, then errorDetail as the last line; a context that is no Dockerfile's: 404
    printf 'FROM busybox\nRUN exit 7\n' > "$WORK/ctx/Dockerfile"
    tar -C "$WORK/ctx" -cf "$WORK/bad.tar" .
    api POST "/v1.44/build?t=bad" --data-binary @"$WORK/bad.tar" > "$WORK/lines"
    [ "$API_STATUS" = 200 ]
    run -0 grep -v '^$' "$WORK/lines"
    [[ "${lines[-1]}" == '{"error":"'*'exit code: 7'*'"errorDetail":{"message":'* ]]
    api POST "/v1.44/build?dockerfile=nosuch" --data-binary @"$WORK/bad.tar" > "$WORK/out"
    [ "$API_STATUS" = 404 ]
    grep -q 'cannot read the Dockerfile nosuch' "$WORK/out"
    # build's run flags reach the RUN steps' containers, as with hive build:
    # a memory limit (the step past it is OOM-killed), ulimits, hosts, /dev/shm
    printf 'FROM busybox\nRUN ulimit -n; grep -w myhost /etc/hosts; df -k /dev/shm | tail -1\n' > "$WORK/ctx/Dockerfile"
    run -0 docker build --no-cache --ulimit nofile=512:512 --add-host myhost:192.0.2.9 --shm-size 16m -m 64m "$WORK/ctx"
    [[ "$output" == *$'\n512\n'* ]]
    [[ "$output" == *"192.0.2.9"*myhost* ]]
    [[ "$output" == *" 16384 "* ]]
    printf 'FROM busybox\nRUN x=$(head -c 20000000 /dev/zero | tr "\\0" a); echo survived\n' > "$WORK/ctx/Dockerfile"
    run docker build --no-cache -m 8m --memory-swap 8m "$WORK/ctx"
    [ "$status" -ne 0 ]
    [[ "$output" == *"exit code: 137"* ]]
    run -0 docker build --no-cache "$WORK/ctx"
    [[ "$output" == *survived* ]]
    # BuildKit is refused clearly
    api POST /session > "$WORK/out"
    [ "$API_STATUS" = 501 ]
    grep -q DOCKER_BUILDKIT=0 "$WORK/out"
}

@test "build context tars are a stranger's: nothing lands outside the context" {
    printf 'FROM busybox\nCOPY . /ctx\n' > "$WORK/Dockerfile"
    python3 - "$WORK/evil.tar" "$WORK/Dockerfile" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    t.add(sys.argv[2], "Dockerfile")
    for name in ("../escaped", "/abs-escaped"):
        d = b"x"; i = tarfile.TarInfo(name); i.size = 1; t.addfile(i, io.BytesIO(d))
PY
    api POST "/v1.44/build?t=evil" --data-binary @"$WORK/evil.tar" > "$WORK/out"
    [ "$API_STATUS" = 400 ]
    grep -q "unsafe archive entry" "$WORK/out"
    [ ! -e "$HIVE_ROOT/escaped" ]
    [ ! -e /abs-escaped ]
    [ ! -e "$HIVE_ROOT/tmp/escaped" ]
    # no context directory is left behind
    run -0 find "$HIVE_ROOT/tmp" -mindepth 1 -maxdepth 1 -type d
    [ -z "$output" ]
}

@test "images, inspect, history, tag, rmi over the API; 404 No such image, 409 in use" {
    run -0 docker images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "busybox:latest" ]
    api GET /v1.44/images/json > "$WORK/list"
    python3 - "$WORK/list" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
assert len(l) == 1, l
i = l[0]
assert set(i) >= {"Id", "ParentId", "RepoTags", "RepoDigests", "Created", "Size", "SharedSize", "VirtualSize", "Labels", "Containers"}, i
assert i["RepoTags"] == ["busybox:latest"] and i["SharedSize"] == -1 and i["Containers"] == -1 and i["Id"].startswith("sha256:"), i
PY
    [ "$(docker image inspect --format '{{.Id}}' busybox)" = "$(hive image inspect --format '{{.Id}}' busybox)" ]
    run -0 docker history busybox
    [[ "${lines[1]}" == "$(hive images -q busybox)"* ]]
    run -0 docker tag busybox mine/bb:2
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}' mine/bb
    [ "$output" = "mine/bb:2" ]
    api GET /v1.44/images/nosuch:1/json > "$WORK/out"
    [ "$API_STATUS" = 404 ]
    grep -q '"No such image: nosuch:1"' "$WORK/out"
    run -1 docker image inspect nosuch:1
    # rmi: an image a container uses is 409 (the tag it is known by alone)
    run_hive 0 create --name user --network none mine/bb:2 true
    run_hive 0 rmi busybox
    api DELETE /v1.44/images/mine/bb:2 > "$WORK/out"
    [ "$API_STATUS" = 409 ]
    grep -q 'is using its referenced image' "$WORK/out"
    run_hive 0 rm user
    api DELETE /v1.44/images/mine/bb:2 > "$WORK/out"
    [ "$API_STATUS" = 200 ]
    python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert l[0]=={"Untagged":"mine/bb:2"} and "Deleted" in l[-1], l' "$WORK/out"
    run -1 docker rmi mine/bb:2
    [[ "$output" == *"No such image: mine/bb:2"* ]]
}

@test "save | load and image prune through the API" {
    run -0 docker tag busybox keep:1
    docker save -o "$WORK/s.tar" keep:1
    [ -s "$WORK/s.tar" ]
    tar -tf "$WORK/s.tar" | grep -qx manifest.json
    run_hive 0 rmi keep:1
    run -0 docker load -i "$WORK/s.tar"
    [ "$output" = "Loaded image: keep:1" ]
    api POST "/v1.44/images/load?quiet=1" --data-binary @"$WORK/s.tar" > "$WORK/out"
    [ "$API_STATUS" = 200 ]
    grep -qx '{"stream":"Loaded image: keep:1\\n"}' "$WORK/out"
    api GET "/v1.44/images/nosuch/get" -o /dev/null
    [ "$API_STATUS" = 404 ]
    # docker import: the body as a layer, --change applied
    run -0 docker import --change 'CMD ["echo", "imported"]' "$(base_tar)" imp:1
    [[ "$output" == sha256:* ]]
    run_hive 0 run --rm --network none imp:1
    [ "$output" = imported ]
    run_hive 0 rmi imp:1
    # prune: a dangling image goes, tagged ones stay; -a takes unused tagged ones
    printf 'FROM busybox\nLABEL v=1\n' > "$WORK/Dockerfile"
    docker build -q -t dang:1 -f "$WORK/Dockerfile" "$WORK" >/dev/null
    printf 'FROM busybox\nLABEL v=2\n' > "$WORK/Dockerfile"
    docker build -q -t dang:1 -f "$WORK/Dockerfile" "$WORK" >/dev/null
    [ "$(hive images -q --filter dangling=true | wc -l)" = 1 ]
    run -0 docker image prune -f
    [[ "$output" == *"deleted: sha256:"* ]]
    [ "$(hive images -q --filter dangling=true | wc -l)" = 0 ]
    api POST "/v1.44/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D" > "$WORK/out"
    python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert {"Untagged":"keep:1"} in o["ImagesDeleted"] and o["SpaceReclaimed"] >= 0, o' "$WORK/out"
    run_hive 0 images -q
    [ -z "$output" ]
}

@test "pull and push against a loopback registry: Docker's progress lines" {
    registry_start
    run -0 docker tag busybox "$REGISTRY/bb:1"
    run -0 docker push "$REGISTRY/bb:1"
    [[ "$output" == *"The push refers to repository [$REGISTRY/bb]"* ]]
    [[ "$output" == *"1: digest: sha256:"*" size: "* ]]
    run_hive 0 rmi "$REGISTRY/bb:1" busybox
    run -0 docker pull "$REGISTRY/bb:1"
    [[ "$output" == *"1: Pulling from bb"* ]]
    [[ "$output" == *"Pull complete"* ]]
    [[ "$output" == *"Status: Downloaded newer image for $REGISTRY/bb:1"* ]]
    run_hive 0 run --rm --network none "$REGISTRY/bb:1" echo pulled
    [ "$output" = pulled ]
    # the JSON lines as Docker's; an image the registry lacks is 404 before any line
    api POST "/v1.44/images/create?fromImage=$REGISTRY/bb&tag=1" -H 'X-Registry-Auth: e30=' > "$WORK/lines"
    [ "$API_STATUS" = 200 ]
    grep -qx '{"id":"1","status":"Pulling from bb"}' "$WORK/lines"
    grep -qx "{\"status\":\"Status: Image is up to date for $REGISTRY/bb:1\"}" "$WORK/lines"
    api POST "/v1.44/images/create?fromImage=$REGISTRY/nosuch&tag=1" > "$WORK/out"
    [ "$API_STATUS" = 404 ]
    api POST "/v1.44/images/$REGISTRY/bb/push?tag=1" > "$WORK/lines"
    python3 - "$WORK/lines" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
aux = [l["aux"] for l in lines if "aux" in l]
assert aux and aux[0]["Tag"] == "1" and aux[0]["Digest"].startswith("sha256:") and aux[0]["Size"] > 0, lines
assert any(l.get("status") == "Layer already exists" for l in lines), lines
PY
    # a push of an image that is not there: the error as the stream's last line
    api POST "/v1.44/images/$REGISTRY/none/push?tag=1" > "$WORK/lines"
    run -0 grep -v '^$' "$WORK/lines"
    [[ "${lines[-1]}" == *'"errorDetail":{"message":"An image does not exist locally with the tag: '* ]]
}

@test "networks and volumes: create, ls, inspect, rm; in use is refused; prune; system df" {
    run -0 docker network create --label k=v --subnet 10.89.7.0/24 apinet
    local id=$output
    run -0 docker network ls --filter label=k=v --format '{{.Name}}'
    [ "$output" = apinet ]
    [ "$(docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' apinet)" = 10.89.7.0/24 ]
    [ "$(hive network inspect --format '{{.Id}}' apinet)" = "$id" ]
    run -1 docker network create apinet
    [[ "$output" == *"already exists"* ]]
    api GET '/v1.44/networks?filters=%7B%22type%22%3A%20%5B%22custom%22%5D%7D' > "$WORK/out"
    python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert [n["Name"] for n in l]==["apinet"], l' "$WORK/out"
    api GET '/v1.44/networks?filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D' > /dev/null
    [ "$API_STATUS" = 400 ]
    run_hive 0 run -d --name onnet --network apinet busybox sleep 60
    run -1 docker network rm apinet
    [[ "$output" == *"active endpoints"* ]]
    api DELETE /v1.44/networks/apinet > /dev/null
    [ "$API_STATUS" = 403 ]
    api POST /v1.44/networks/apinet/disconnect -H 'Content-Type: application/json' -d '{"Container":"onnet","Force":true}' > /dev/null
    [ "$API_STATUS" = 200 ]
    run -0 docker network rm apinet
    api GET /v1.44/networks/apinet > "$WORK/out"
    [ "$API_STATUS" = 404 ]
    # IPAM's driver, options and auxiliary addresses through the docker CLI
    run -0 docker network create --subnet 10.89.6.0/29 --aux-address r=10.89.6.2 --ipam-driver default --ipam-opt o=1 auxnet
    [ "$(docker network inspect --format '{{.IPAM.Driver}} {{.IPAM.Options.o}} {{range .IPAM.Config}}{{.AuxiliaryAddresses.r}}{{end}}' auxnet)" = "default 1 10.89.6.2" ]
    run_hive 0 run -d --name onaux --network auxnet busybox sleep 60
    [ "$(hive inspect -f '{{.NetworkSettings.Networks.auxnet.IPAddress}}' onaux)" = 10.89.6.3 ]
    run_hive 0 rm -f onaux
    run -0 docker network rm auxnet
    run -1 docker network create --ipam-driver other nonet
    [[ "$output" == *'IPAM driver "other" is not supported'* ]]

    run -0 docker volume create --label app=db data1
    run -0 docker volume ls --filter label=app=db --format '{{.Name}}'
    [ "$output" = data1 ]
    [ "$(docker volume inspect --format '{{.Mountpoint}}' data1)" = "$(hive volume inspect --format '{{.Mountpoint}}' data1)" ]
    run_hive 0 create --name vuser --network none -v data1:/d busybox true
    run -1 docker volume rm data1
    [[ "$output" == *"volume is in use"* ]]
    api DELETE /v1.44/volumes/data1 > /dev/null
    [ "$API_STATUS" = 409 ]
    run_hive 0 rm vuser
    run -0 docker volume rm data1
    api DELETE "/v1.44/volumes/data1?force=1" > /dev/null
    [ "$API_STATUS" = 204 ]
    api GET /v1.44/volumes/data1 > /dev/null
    [ "$API_STATUS" = 404 ]
    api POST /v1.44/volumes/create -H 'Content-Type: application/json' -d '{"Name":"anon2","Labels":{"a":"b"}}' > "$WORK/out"
    [ "$API_STATUS" = 201 ]
    api POST '/v1.44/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D' > "$WORK/out"
    grep -q '"VolumesDeleted":\["anon2"\]' "$WORK/out"

    run -0 docker system df
    [[ "$output" == *"Images "*"1 "* ]]
    api GET /v1.44/system/df > "$WORK/out"
    python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert set(o)=={"LayersSize","Images","Containers","Volumes","BuildCache"} and o["Images"][0]["Containers"]==1, o' "$WORK/out"
    run_hive 0 rm -f onnet
}
