#!/usr/bin/env bats
# Health checks (issue #14): run by the container's monitor through the exec
# path; State.Health in inspect, ps STATUS and --filter health=, the
# health_status events, the on-health hook, --health-on-failure, an image's
# HEALTHCHECK, --no-healthcheck, timeouts, bad flags.
load helpers

teardown() { teardown_containers; }

# wait_until SECONDS COMMAND...: until COMMAND succeeds, or fail after SECONDS.
wait_until() {
    local limit=$1; shift
    local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "timed out after ${limit}s: $*" >&2
    return 1
}

health_is() { [ "$("$HIVE" inspect --format '{{.State.Health.Status}}' "$1")" = "$2" ]; }
# health_log CTR INDEX: "EXITCODE OUTPUT" of State.Health.Log[INDEX] (output's trailing newline dropped)
health_log() {
    "$HIVE" inspect --format '{{json .State.Health.Log}}' "$1" |
        python3 -c 'import json, sys; e = json.load(sys.stdin)[int(sys.argv[1])]; print(e["ExitCode"], e["Output"].rstrip("\n"))' "$2"
}
events_have() { "$HIVE" events --until 0s "${@:2}" 2>/dev/null | grep -q -- "$1"; }

@test "starting -> unhealthy -> healthy: inspect, ps, events and the on-health hook" {
    import_run_base
    add_hook 10-health.lua <<'EOF'
hive.on("on-health", function(c)
  hive.log.warn("HEALTH " .. c.name .. " " .. c.previous_status .. "->" .. c.status .. " streak=" .. c.failing_streak)
end)
EOF
    # failures in the 1.5 s start period do not count; then 2 in a row make it unhealthy
    hive run -d --network none --name h1 --health-cmd 'echo probe; test -f /tmp/ok' --health-interval 200ms \
        --health-retries 2 --health-start-period 1500ms --health-start-interval 300ms busybox sleep 60 >/dev/null
    health_is h1 starting
    run_hive 0 ps --format '{{.Names}} {{.Status}}'
    [[ "$output" == "h1 Up "*" (health: starting)" ]]
    run_hive 0 ps -q --filter health=starting
    [ -n "$output" ]
    wait_until 10 health_is h1 unhealthy
    run_hive 0 inspect --format '{{.State.Health.FailingStreak}} {{len .State.Health.Log}}' h1
    [[ "$output" =~ ^([2-9]|[1-9][0-9]+)\ [1-5]$ ]]
    [ "$(health_log h1 0)" = "1 probe" ]
    run_hive 0 ps --format '{{.Status}}' --filter health=unhealthy
    [[ "$output" == "Up "*" (unhealthy)" ]]
    run_hive 0 ps -q --filter health=healthy
    [ -z "$output" ]
    hive exec h1 touch /tmp/ok
    wait_until 10 health_is h1 healthy
    run_hive 0 inspect --format '{{.State.Health.FailingStreak}}' h1
    [ "$output" = 0 ]
    run_hive 0 ps --format '{{.Status}}'
    [[ "$output" == "Up "*" (healthy)" ]]
    wait_until 10 events_have "health_status: healthy" --filter container=h1
    run_hive 0 events --until 0s --filter container=h1 --format '{{.Action}}'
    [ "$(echo "$output" | grep health_status | tr '\n' ,)" = "health_status: unhealthy,health_status: healthy," ]
    wait_until 10 events_have "HEALTH h1 unhealthy->healthy streak=0" --filter type=hook
    run_hive 0 events --until 0s --filter type=hook
    [[ "$output" == *"HEALTH h1 starting->unhealthy streak=2"* ]]
    # a container without a check: none
    hive run -d --network none --name plain busybox sleep 60 >/dev/null
    run_hive 0 ps --format '{{.Names}}' --filter health=none
    [ "$output" = plain ]
    run_hive 0 inspect --format '{{.State.Health}}' plain
    [ "$output" = "<no value>" ]
}

@test "--health-on-failure restart ends up running again; kill leaves it exited" {
    import_run_base
    # the first check fails (and leaves a marker in the container's writable layer): unhealthy, restarted, then healthy
    hive run -d --network none --name hr --stop-timeout 1 --health-cmd 'test -f /marker || { touch /marker; exit 1; }' \
        --health-interval 200ms --health-retries 1 --health-on-failure restart busybox sleep 60 >/dev/null
    pid1=$(hive inspect --format '{{.State.Pid}}' hr)
    wait_until 20 events_have "health_status: healthy" --filter container=hr
    run_hive 0 inspect --format '{{.State.Running}} {{.State.Health.Status}}' hr
    [ "$output" = "true healthy" ]
    [ "$(hive inspect --format '{{.State.Pid}}' hr)" != "$pid1" ]
    run_hive 0 events --until 0s --filter container=hr --format '{{.Action}}'
    [ "$(echo "$output" | grep -v exec | tr '\n' ,)" = "create,start,health_status: unhealthy,die,stop,start,health_status: healthy," ]

    hive run -d --network none --name hk --health-cmd 'false' --health-interval 200ms --health-retries 1 \
        --health-on-failure kill busybox sleep 60 >/dev/null
    wait_until 10 bash -c "[ \"\$(\"$HIVE\" inspect --format '{{.State.Status}}' hk)\" = exited ]"
    run_hive 0 inspect --format '{{.State.ExitCode}} {{.State.Health.Status}}' hk
    [ "$output" = "137 unhealthy" ]
}

@test "an image's HEALTHCHECK runs as CMD (no shell); flags override it; --no-healthcheck turns it off" {
    import_run_base
    mkdir -p "$WORK/ctx"
    cat > "$WORK/ctx/Dockerfile" <<'EOF'
FROM busybox
HEALTHCHECK --interval=200ms --retries=1 CMD ["/bin/echo", "image-check $HOME"]
EOF
    run_hive 0 build -q -t hc "$WORK/ctx"
    hive run -d --network none --name img hc sleep 60 >/dev/null
    wait_until 10 health_is img healthy
    # exec form: no shell expanded $HOME
    [ "$(health_log img 0)" = '0 image-check $HOME' ]
    # a flag overrides the image's command, keeping its interval
    hive run -d --network none --name over --health-cmd 'exit 3' hc sleep 60 >/dev/null
    wait_until 10 health_is over unhealthy
    [ "$(health_log over 0)" = "3 " ]
    hive run -d --network none --name off --no-healthcheck hc sleep 60 >/dev/null
    run_hive 0 inspect --format '{{.State.Health}}' off
    [ "$output" = "<no value>" ]
    [ ! -e "$HIVE_ROOT/containers/$(hive inspect --format '{{.Id}}' off)/healthcheck" ]
    run_hive 0 ps --format '{{.Names}}' --filter health=none
    [ "$output" = off ]
}

@test "a check past its timeout is killed and counts as a failure" {
    import_run_base
    hive run -d --network none --name slow --health-cmd 'sleep 30' --health-timeout 300ms --health-interval 200ms \
        --health-retries 1 busybox sleep 60 >/dev/null
    wait_until 10 health_is slow unhealthy
    [ "$(health_log slow 0)" = "-1 Health check exceeded timeout (300ms)" ]
    # the hanging check's processes are gone: only the container's init (and at most one running check) is left
    run_hive 0 top slow
    [ "$(echo "$output" | grep -c 'sleep 30')" -le 1 ]
}

@test "bad health flags are refused with a clear error and nothing is created" {
    import_run_base
    for args in "--health-interval 0s" "--health-interval 0" "--health-timeout 0s" "--health-start-interval 0.5ms" \
                "--health-interval 10" "--health-retries -1" "--health-start-period -1s" "--health-on-failure reboot" \
                "--no-healthcheck --health-interval 1s"; do
        run -125 "$HIVE" run -d --network none --name bad --health-cmd true $args busybox true
        [[ "$output" == *"health"* ]] || { echo "$args: $output" >&2; false; }
        [ "${#lines[@]}" -eq 1 ] || { echo "$args: $output" >&2; false; }
    done
    run_hive 0 ps -aq
    [ -z "$output" ]
    run -125 "$HIVE" create --no-healthcheck --health-cmd true busybox true
    [[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]]
    run -125 "$HIVE" ps --filter health=bogus
    [[ "$output" == *'Unrecognised filter value for health: bogus'* ]]
}

@test "a check that flips every millisecond keeps at most one health-event process and leaves no zombies" {
    import_run_base
    # each check changes the status: healthy, unhealthy, healthy...
    hive run -d --network none --name flap --health-cmd 'if [ -e /tmp/x ]; then rm /tmp/x; else touch /tmp/x; false; fi' \
        --health-interval 1ms --health-retries 1 busybox sleep 60 >/dev/null
    local id mon most=0 n
    id=$(hive inspect --format '{{.Id}}' flap)
    mon=$(pgrep -f "^[^ ]+ $id " | head -1)
    [ -n "$mon" ]
    local end=$(( $(date +%s) + 3 ))
    while [ "$(date +%s)" -lt "$end" ]; do
        # the monitor's children that are hive processes (health-event), zombies included
        n=$(ps -o comm= --ppid "$mon" | grep -c '^hive$' || true)
        [ "$n" -gt "$most" ] && most=$n
        sleep 0.02
    done
    echo "most health-event children at once: $most"
    [ "$most" -le 1 ]
    [ "$(ps -o stat= --ppid "$mon" | grep -c '^Z' || true)" -le 1 ]
    # and the status kept being reported
    events_have health_status --filter container=flap
}

@test "a container that stops every new process (SIGSTOP) cannot hold its monitor: the check is killed after 10 s, stop still works" {
    import_run_base
    # pid 1 stops every other process it sees, the health check's before its exec included
    hive run -d --network none --name stopper --health-cmd true --health-interval 200ms --health-timeout 2s busybox \
        sh -c 'while :; do for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = 1 ] || kill -STOP "$n" 2>/dev/null; done; done' >/dev/null
    # a check ends (killed before its exec) and the monitor goes on to record it
    local end=$(( $(date +%s) + 40 ))
    until hive inspect --format '{{json .State.Health.Log}}' stopper | grep -q 'did not start within'; do
        [ "$(date +%s)" -lt "$end" ] || { hive inspect --format '{{json .State.Health}}' stopper; return 1; }
        sleep 0.2
    done
    # the monitor still answers: stop records the exit
    run_hive 0 stop -t 1 stopper
    [ "$(hive inspect --format '{{.State.Status}}' stopper)" = exited ]
}
