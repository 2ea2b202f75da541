#!/usr/bin/env bats
# Logs (issue #14): bounded json-file logs with rotation and compression,
# foreground runs logged too, --log-driver none, run -a, logs --details,
# hive.toml [containers] defaults, and `events -f` waiting on inotify.
load helpers

teardown() { teardown_containers; }

# wait_until SECONDS COMMAND...: until COMMAND succeeds (a deadline, not a fixed sleep).
wait_until() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out: $*" >&2; return 1; }
        sleep 0.05
    done
}

@test "rotation keeps the newest lines within max-size x max-file" {
    import_run_base
    hive run -d --name rot --network none --log-opt max-size=4k --log-opt max-file=3 busybox \
        sh -c 'i=0; while [ $i -lt 2000 ]; do echo "line $i of the rotation test"; i=$((i+1)); done' >/dev/null
    run_hive 0 wait rot
    dir=$HIVE_ROOT/containers/$(hive inspect -f '{{.Id}}' rot)
    [ -f "$dir/log.1" ]
    [ -f "$dir/log.2" ]
    [ ! -e "$dir/log.3" ]
    total=$(cat "$dir"/log* | wc -c)
    [ "$total" -le $((4096 * 3)) ]
    run_hive 0 logs rot
    [ "${lines[-1]}" = "line 1999 of the rotation test" ]
    [[ "$output" != *"line 0 of"* ]]
    # the lines kept are consecutive, newest last
    first=$(echo "${lines[0]}" | awk '{print $2}')
    [ "${#lines[@]}" -eq $((2000 - first)) ]
}

@test "compress=true gzips rotated files; logs reads them back in order" {
    import_run_base
    run_hive 125 run --rm --network none --log-opt compress=true --log-opt max-file=1 busybox true
    [[ "$output" == *"compress cannot be true when max-file is less than 2"* ]]
    hive run -d --name gz --network none --log-opt max-size=4k --log-opt max-file=4 --log-opt compress=true busybox \
        sh -c 'i=0; while [ $i -lt 600 ]; do echo "gz line $i"; i=$((i+1)); done' >/dev/null
    run_hive 0 wait gz
    dir=$HIVE_ROOT/containers/$(hive inspect -f '{{.Id}}' gz)
    wait_until 10 test -f "$dir/log.3.gz" -a ! -e "$dir/log.1"
    gzip -t "$dir/log.1.gz" "$dir/log.2.gz" "$dir/log.3.gz"
    zcat "$dir/log.1.gz" | head -1 | grep -q '"stream":"stdout"'
    run_hive 0 logs gz
    [ "${lines[-1]}" = "gz line 599" ]
    first=$(echo "${lines[0]}" | awk '{print $3}')
    [ "${#lines[@]}" -eq $((600 - first)) ]
}

@test "a foreground run is logged (pipes and -t); -a stdout hides stderr but logs it" {
    import_run_base
    run_hive 0 run --name fg --network none busybox sh -c 'echo fg-out; echo fg-err >&2'
    [[ "$output" == *fg-out* && "$output" == *fg-err* ]]
    [ "$(hive logs fg 2>/dev/null)" = "fg-out" ]
    [ "$(hive logs fg 2>&1 >/dev/null)" = "fg-err" ]
    # -t: the pty's output (script gives hive a terminal)
    script -qec "$HIVE run -t --name tty --network none busybox sh -c 'echo on-the-tty'" /dev/null > "$WORK/tty.out"
    grep -q on-the-tty "$WORK/tty.out"
    run_hive 0 logs tty
    [[ "$output" == *"on-the-tty"* ]]
    # -a stdout: stderr is not on the terminal, but it is in the log
    hive run -a stdout --name att --network none busybox sh -c 'echo shown; echo hidden >&2' > "$WORK/out" 2> "$WORK/err"
    [ "$(cat "$WORK/out")" = "shown" ]
    ! grep -q hidden "$WORK/err"
    [ "$(hive logs att 2>&1 >/dev/null)" = "hidden" ]
    n=$(hive ps -aq | wc -l)
    run_hive 125 run -a bogus --network none busybox true
    [[ "$output" == *'invalid argument "bogus" for "-a, --attach" flag'* ]]
    run_hive 125 run -d -a stdout --network none busybox true
    [[ "$output" == *"conflicting options: -a and -d"* ]]
    [ "$(hive ps -aq | wc -l)" -eq "$n" ]
}

@test "--log-driver none: nothing logged, logs refuses; unknown drivers and options refused" {
    import_run_base
    run_hive 0 run --name quiet --log-driver none --network none busybox echo not-logged
    [ "$output" = "not-logged" ]
    [ ! -e "$HIVE_ROOT/containers/$(hive inspect -f '{{.Id}}' quiet)/log" ]
    run_hive 125 logs quiet
    [[ "$output" == *"configured logging driver does not support reading"* ]]
    n=$(hive ps -aq | wc -l)
    run_hive 125 run --log-driver syslog --network none busybox true
    [[ "$output" == *'unknown log driver "syslog" (hive supports json-file and none)'* ]]
    run_hive 125 run --log-opt max-size=1x --network none busybox true
    run_hive 125 run --log-opt colour=red --network none busybox true
    [[ "$output" == *'unknown log opt "colour"'* ]]
    [ "$(hive ps -aq | wc -l)" -eq "$n" ]
}

@test "logs --details shows --log-opt labels= and env= attrs" {
    import_run_base
    hive run --name det --network none --label team=blue --label other=x -e STAGE=prod \
        --log-opt labels=team --log-opt env=STAGE busybox echo detailed >/dev/null
    run_hive 0 logs --details det
    [ "$output" = "STAGE=prod,team=blue detailed" ]
    run_hive 0 logs det
    [ "$output" = "detailed" ]
    hive run -d --name detd --network none --label team=red --log-opt labels=team busybox echo from-monitor >/dev/null
    hive wait detd >/dev/null
    run_hive 0 logs --details detd
    [ "$output" = "team=red from-monitor" ]
}

@test "hive.toml [containers]: ulimits, pids limit, default network, log defaults; bad values named" {
    import_run_base
    cat > "$HIVE_CONFIG" <<'EOF'
[containers]
ulimits = ["nofile=777:888", "nproc=300"]
pids_limit = 42
default_network = "none"
log_max_size = "2k"
log_max_file = 2
EOF
    run_hive 0 run --rm busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u; ls /sys/class/net'
    [ "$output" = "$(printf '777\n888\n300\nlo')" ]
    # a container's own --ulimit replaces the default
    run_hive 0 run --rm --ulimit nofile=500:600 busybox sh -c 'ulimit -n'
    [ "$output" = "500" ]
    id=$(hive create --name pl busybox true)
    [ "$(hive inspect -f '{{.HostConfig.PidsLimit}}' pl)" = "42" ]
    hive run --name big busybox sh -c 'i=0; while [ $i -lt 300 ]; do echo "x$i"; i=$((i+1)); done' >/dev/null
    dir=$HIVE_ROOT/containers/$(hive inspect -f '{{.Id}}' big)
    [ -f "$dir/log.1" ]
    [ ! -e "$dir/log.2" ]
    [ "$(cat "$dir"/log* | wc -c)" -le 4096 ]
    printf '[containers]\npids_limit = "many"\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"$HIVE_CONFIG: containers.pids_limit must be"* ]]
    printf '[containers]\nulimits = ["nofile=9:1"]\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"containers.ulimits must be"* ]]
    printf '[containers]\nlog_driver = "journald"\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"containers.log_driver must be"* ]]
}

@test "events -f prints a new event promptly and uses no CPU while idle" {
    import_run_base
    "$HIVE" events --filter event=create > "$WORK/events" &
    pid=$!
    sleep 0.3
    read -r _ _ _ _ _ _ _ _ _ _ _ _ _ u0 s0 _ < /proc/$pid/stat
    sleep 2
    read -r _ _ _ _ _ _ _ _ _ _ _ _ _ u1 s1 _ < /proc/$pid/stat
    # clock ticks (1/100 s): an idle follower does not wake
    [ $(( u1 + s1 - u0 - s0 )) -le 1 ]
    hive create --name ev --network none busybox true >/dev/null
    start=$(date +%s%N)
    wait_until 5 grep -q "container create" "$WORK/events"
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    kill $pid
    [ "$elapsed" -lt 1000 ]
    # the event log's rotation (events.log -> events.log.1) is followed
    "$HIVE" events --filter event=destroy > "$WORK/events2" &
    pid=$!
    sleep 0.3
    mv "$HIVE_ROOT/events.log" "$HIVE_ROOT/events.log.1"
    hive rm ev >/dev/null
    wait_until 5 grep -q "container destroy" "$WORK/events2"
    kill $pid
}
