#!/usr/bin/env bats
# `hive compose`: the real docker compose v2 (Debian trixie's 2.26, fetched
# by scripts/get-compose.sh) against a private service, with the three-service
# app of issue #17 (Tests/fixtures/api-clients/compose-app): db with a health
# check and a volume, web built from a Dockerfile with a published port and
# depends_on db healthy, job reaching web by name.
load helpers
load api

setup_file() {
    COMPOSE_BIN=$("$BATS_TEST_DIRNAME/../../scripts/get-compose.sh" 2>&1) || COMPOSE_BIN=
    export COMPOSE_BIN
}

teardown() { teardown_containers; api_netns_del; }

need_compose() {
    [ -n "$COMPOSE_BIN" ] && [ -x "$COMPOSE_BIN" ] || skip "no docker compose v2: scripts/get-compose.sh could not fetch it"
    export HIVE_COMPOSE=$COMPOSE_BIN
}

# the app in a directory of the test's own; `hc` runs hive compose on it
app() {
    cp -r "$REPO/Tests/fixtures/api-clients/compose-app" "$WORK/app"
    cd "$WORK/app"
}
hc() { "$HIVE" compose -p app "$@"; }
web_says() { [ "$(in_api_netns curl -s --max-time 2 http://127.0.0.1:8080/greeting.txt)" = "$1 from web" ]; }

@test "hive compose without a compose binary says how to get one (exit 125)" {
    for d in /usr/local/lib /usr/local/libexec /usr/lib /usr/libexec; do
        [ ! -e "$d/docker/cli-plugins/docker-compose" ] || skip "a docker-compose plugin is installed in $d"
    done
    unset HIVE_COMPOSE
    DOCKER_CONFIG=$WORK/none PATH=/nonexistent run -125 "$HIVE" compose up -d
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hive: docker compose (v2) is not installed: "*"scripts/get-compose.sh"*"HIVE_COMPOSE"* ]]
    HIVE_COMPOSE=$WORK/nothing run -125 "$HIVE" compose ps
    [[ "$output" == "hive: HIVE_COMPOSE=$WORK/nothing is not an executable file"* ]]
    [ -z "$(ls "$HIVE_RUNROOT" | grep compose)" ]
}

@test "hive compose: compose's own exit status, DOCKER_HOST on a private socket that goes with it" {
    need_compose
    # a compose file whose command prints what compose's environment was
    mkdir -p "$WORK/p" && cd "$WORK/p"
    printf 'services:\n  a:\n    image: busybox:latest\n' > compose.yaml
    run -0 "$HIVE" compose version
    [[ "$output" == "Docker Compose version"* ]]
    run -0 "$HIVE" compose -p p ps --format '{{.Name}}'
    [ -z "$output" ]
    # compose's own status for its own errors, as docker-compose gives it alone
    run "$COMPOSE_BIN" no-such-command
    local want=$status
    [ "$want" -ne 0 ]
    run "$HIVE" compose no-such-command
    [ "$status" -eq "$want" ]
    run "$HIVE" compose -f "$WORK/absent.yaml" ps
    [ "$status" -ne 0 ]
    [ "$status" -ne 125 ]
    [[ "$output" == *absent.yaml* ]]
    # the private service listened under the run root, and is gone
    [ -z "$(ls "$HIVE_RUNROOT" | grep compose)" ]
    # DOCKER_HOST given by the caller does not leak through
    DOCKER_HOST=unix:///nonexistent.sock run -0 "$HIVE" compose -p p ps
}

@test "hive compose: the private service while compose runs, its environment and arguments, SIGTERM passed on" {
    # a stand-in compose: reports what it got, pings the service, waits for TERM
    cat > "$WORK/fake-compose" <<'EOF'
#!/bin/bash
trap 'echo got-term; exit 42' TERM
echo "host=$DOCKER_HOST buildkit=$DOCKER_BUILDKIT cli-build=$COMPOSE_DOCKER_CLI_BUILD args=$*"
curl -s --unix-socket "${DOCKER_HOST#unix://}" http://hive/_ping; echo
[ "$1" = wait ] || exit 3
touch "$(dirname "$0")/ready"
sleep 100 & wait
EOF
    chmod +x "$WORK/fake-compose"
    export HIVE_COMPOSE=$WORK/fake-compose
    DOCKER_HOST=tcp://1.2.3.4:2375 run -3 "$HIVE" compose -f a.yaml -p proj --profile x up -d
    [[ "${lines[0]}" == "host=unix://$HIVE_RUNROOT/compose-"*".sock buildkit=0 cli-build=0 args=-f a.yaml -p proj --profile x up -d" ]]
    [ "${lines[1]}" = OK ]
    [ -z "$(ls "$HIVE_RUNROOT" | grep compose)" ]
    "$HIVE" compose wait > "$WORK/out" &
    local pid=$!
    until_true 5 test -e "$WORK/ready"
    kill -TERM "$pid"
    local st=0; wait "$pid" || st=$?    # compose's status, passed through
    [ "$st" -eq 42 ]
    grep -qx got-term "$WORK/out"
    [ -z "$(ls "$HIVE_RUNROOT" | grep compose)" ]
}

@test "the three-service app: up --wait, ps, logs, exec, run, restart, recreate, down -v" {
    need_compose
    api_netns
    import_run_base
    app
    local t0=$(date +%s%N)
    run_hive 0 compose -p app up -d --wait
    echo "up -d --wait: $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&3
    # ps: both up, db healthy; hive's own ps sees compose's containers
    run -0 hc ps --format '{{.Service}} {{.State}} {{.Health}}'
    [[ "$output" == *"db running healthy"* ]]
    [[ "$output" == *"web running"* ]]
    run_hive 0 ps --format '{{.Names}}'
    [[ "$output" == *app-db-1* ]]
    [[ "$output" == *app-web-1* ]]
    # the published port, from here
    until_true 5 web_says hello
    # logs and exec -T
    run -0 hc logs db
    [[ "$output" == *"db ready"* ]]
    run -0 hc logs --no-log-prefix web
    [[ "$output" == *"web up"* ]]
    run -0 hc exec -T db cat /data/ready
    [ "$output" = up ]
    run -0 hc exec -T web sh -c 'echo $GREETING'
    [ "$output" = hello ]
    # run --rm: job reaches web by its name on the project's network, then goes
    run -0 hc --profile job run --rm job
    [[ "$output" == *"hello from web"* ]]
    run_hive 0 ps -a --format '{{.Names}}'
    [[ "$output" != *job* ]]
    # restart
    local started; started=$(hive inspect -f '{{.State.StartedAt}}' app-web-1)
    run -0 hc restart web
    [ "$(hive inspect -f '{{.State.StartedAt}}' app-web-1)" != "$started" ]
    until_true 5 web_says hello
    # a config change recreates web (and only web)
    local web db
    web=$(hive inspect -f '{{.Id}}' app-web-1); db=$(hive inspect -f '{{.Id}}' app-db-1)
    GREETING=bye run -0 hc up -d --wait
    [ "$(hive inspect -f '{{.Id}}' app-web-1)" != "$web" ]
    [ "$(hive inspect -f '{{.Id}}' app-db-1)" = "$db" ]
    until_true 5 web_says bye
    # down -v: no container, network or volume of the project is left
    run -0 hc down -v
    run_hive 0 ps -aq
    [ -z "$output" ]
    run_hive 0 network ls --format '{{.Name}}'
    [[ "$output" != *app_default* ]]
    run_hive 0 volume ls -q
    [[ "$output" != *app_dbdata* ]]
    [ -z "$(ls "$HIVE_RUNROOT" | grep compose)" ]
}
