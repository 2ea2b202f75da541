#!/usr/bin/env bats
# Clients of the Engine API against `hive system service`: docker-py 7 and
# testcontainers-python 4 (Tests/fixtures/api-clients/*.py: a container with
# an exposed port reached from here, a log line waited for, exec, networks,
# volumes, builds), and the docker CLI 28 through DOCKER_HOST. Every test
# gets a network namespace of its own (api.bash's api_netns).
load helpers
load api

CLIENTS=$BATS_TEST_DIRNAME/../fixtures/api-clients

eval "$(declare -f setup | sed '1s/^setup/hive_setup/')"

setup() {
    hive_setup
    api_netns
    import_run_base
    start_service
}

teardown() { stop_service; teardown_containers; api_netns_del; }

# the API's containers, networks and volumes are the CLI's: none left behind
assert_nothing_left() {
    [ -z "$("$HIVE" ps -aq)" ] || { "$HIVE" ps -a >&2; return 1; }
    [ -z "$("$HIVE" volume ls -q)" ] || { "$HIVE" volume ls >&2; return 1; }
    ! "$HIVE" network ls --format '{{.Name}}' | grep -vxE 'bridge|host|none' || return 1
}

@test "docker-py 7: version, exposed port, logs, exec_run, networks, volumes, images.build" {
    python3 -c 'import docker' 2>/dev/null || skip "docker-py not installed (make test-deps)"
    run in_api_netns python3 "$CLIENTS/dockerpy.py"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"dockerpy: all passed"* ]]
    assert_nothing_left
}

@test "testcontainers-python 4 (Ryuk off): exposed port after a log line, exec, network alias, volume, build" {
    python3 -c 'import testcontainers' 2>/dev/null || skip "testcontainers not installed (make test-deps)"
    TESTCONTAINERS_RYUK_DISABLED=true run in_api_netns python3 "$CLIENTS/testcontainers_py.py"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"testcontainers: all passed"* ]]
    assert_nothing_left
}

@test "docker CLI 28 through DOCKER_HOST: run, ps, logs, exec, inspect, stop, rm" {
    run -0 docker run --rm busybox echo hello-cli
    [ "$output" = hello-cli ]
    run docker run --rm busybox sh -c 'exit 7'
    [ "$status" -eq 7 ]
    cid=$(docker run -d --name cli1 -l suite=cli busybox sh -c 'echo started; exec sleep 1000')
    # the API's container is the CLI's, and the other way round
    run_hive 0 ps --format '{{.Names}}'
    [ "$output" = cli1 ]
    [ "$(docker ps --filter label=suite=cli --format '{{.Names}}')" = cli1 ]
    until_true 5 bash -c "docker logs cli1 | grep -q started"
    [ "$(docker exec cli1 sh -c 'echo $((2 + 3))')" = 5 ]
    [ "$(docker inspect -f '{{.State.Running}} {{.Id}}' cli1)" = "true $cid" ]
    [ "$(docker inspect -f '{{.Id}}' cli1)" = "$(hive inspect -f '{{.Id}}' cli1)" ]
    docker stop -t 1 cli1 >/dev/null
    [ "$(hive inspect -f '{{.State.Status}}' cli1)" = exited ]
    docker rm cli1 >/dev/null
    run_hive 0 ps -aq
    [ -z "$output" ]
    run docker inspect cli1
    [ "$status" -ne 0 ]
    [[ "$output" == *"No such"* ]]
}

@test "docker CLI 28 through DOCKER_HOST: images, tag, rmi, build, network and volume verbs, version, info" {
    [ "$(docker version --format '{{.Server.APIVersion}}')" = 1.44 ]
    docker info --format '{{.OperatingSystem}}' > /dev/null
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -qx busybox:latest
    docker tag busybox:latest cli/tagged:1
    hive images --format '{{.Repository}}:{{.Tag}}' | grep -qx cli/tagged:1
    docker rmi cli/tagged:1 >/dev/null
    [ -z "$(hive images --format '{{.Repository}}:{{.Tag}}' | grep -x cli/tagged:1)" ]
    mkdir -p "$WORK/ctx"
    printf 'FROM busybox:latest\nRUN echo built > /b\nCMD ["cat", "/b"]\n' > "$WORK/ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t cli/built "$WORK/ctx" >/dev/null
    [ "$(docker run --rm cli/built)" = built ]
    docker network create clinet >/dev/null
    docker network ls --format '{{.Name}}' | grep -qx clinet
    hive network ls --format '{{.Name}}' | grep -qx clinet
    docker network rm clinet >/dev/null
    docker volume create clivol >/dev/null
    [ "$(hive volume ls -q)" = clivol ]
    docker volume rm clivol >/dev/null
    assert_nothing_left
}
