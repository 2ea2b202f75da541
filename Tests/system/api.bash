# The Engine API service for a test (load after helpers.bash): a private
# `hive system service` on a socket in the test's run root, the docker CLI
# pointed at it through DOCKER_HOST, its own DOCKER_CONFIG.

# start_service [EXTRA ARGS...]: serves until stop_service (idle exit off).
start_service() {
    API_SOCK=$HIVE_RUNROOT/api.sock
    "$HIVE" system service --time 0 "$@" "unix://$API_SOCK" 2>"$WORK/service.err" &
    API_PID=$!
    echo $API_PID >> "$WORK/servers.pids"
    export DOCKER_HOST=unix://$API_SOCK
    export DOCKER_CONFIG=$WORK/docker-config
    mkdir -p "$DOCKER_CONFIG"
    until_true 10 curl -sf --unix-socket "$API_SOCK" http://hive/_ping -o /dev/null
}

stop_service() {
    [ -n "${API_PID:-}" ] || return 0
    kill "$API_PID" 2>/dev/null || true
    wait "$API_PID" 2>/dev/null || true
    API_PID=
}

# api METHOD PATH [curl args...]: the response body; status in $API_STATUS.
api() {
    local method=$1 path=$2; shift 2
    local out
    out=$(curl -s -X "$method" --unix-socket "$API_SOCK" -w '\n%{http_code}' "$@" "http://hive$path")
    API_STATUS=${out##*$'\n'}
    printf '%s\n' "${out%$'\n'*}"
}

# api_netns: a network namespace of the test's own for everything hive does
# (HIVE becomes a wrapper that enters it, so the service, `hive compose` and
# the bridges and ports of their containers live there); `in_api_netns CMD`
# runs a client there, to reach published ports. Bridges left by one test's
# store then never meet the next test's (bats runs a file in one namespace).
# api_netns_del in teardown, after the containers are gone.
api_netns() {
    API_NS=hive-api-$$-${BATS_TEST_NUMBER:-0}
    ip netns add "$API_NS"
    nsenter --net="/run/netns/$API_NS" ip link set lo up
    REAL_HIVE=$HIVE
    HIVE=$WORK/hive
    printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$API_NS" "$REAL_HIVE" > "$HIVE"
    chmod 0755 "$HIVE"
}

in_api_netns() { nsenter --net="/run/netns/$API_NS" "$@"; }

api_netns_del() {
    [ -n "${API_NS:-}" ] || return 0
    ip netns del "$API_NS" 2>/dev/null || true
    API_NS=
}
