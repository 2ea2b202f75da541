#!/usr/bin/env bats
# A foreground `run` (and `start -a`) of a container whose restart policy or
# health check needs its monitor: the container starts under its monitor and
# the command is attached from the first byte (issue #14). Its output and exit
# code are a foreground run's; the policy goes on after it returns, as Docker's.
load helpers

teardown() {
    [ -n "${TMUX_L:-}" ] && tmux -L "$TMUX_L" kill-server 2>/dev/null
    teardown_containers
}

restarts_at_least() { [ "$("$HIVE" inspect --format '{{.RestartCount}}' "$1")" -ge "$2" ]; }
state_is() { [ "$("$HIVE" inspect --format '{{.State.Status}}' "$1")" = "$2" ]; }

@test "run --restart in the foreground: its output and first exit code, then the policy goes on" {
    import_run_base
    hive run --name f1 --network none --restart on-failure:2 busybox sh -c 'echo out; echo err >&2; exit 3' \
        >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
    [ "$rc" = 3 ]
    [ "$(cat "$WORK/out")" = out ]
    [ "$(cat "$WORK/err")" = err ]
    # the monitor restarts it twice after the command returned
    wait_for 20 restarts_at_least f1 2
    wait_for 20 state_is f1 exited
    [ "$(hive inspect --format '{{.RestartCount}} {{.State.ExitCode}}' f1)" = "2 3" ]
    # its log has every run's output
    [ "$(hive logs f1 2>/dev/null | grep -c '^out$')" = 3 ]
}

@test "run -i --restart: stdin reaches the container and its end closes the container's stdin" {
    import_run_base
    run_hive 7 run -i --name f2 --network none --restart on-failure:1 busybox sh -c 'cat; exit 7' < <(printf 'a\nb\n')
    [ "$output" = "$(printf 'a\nb')" ]
    # without -i the container's stdin is empty
    run_hive 0 run --rm --network none --health-cmd true busybox sh -c 'cat; echo end'
    [ "$output" = end ]
}

@test "start -a of a container with a restart policy runs attached; -a STDOUT shows stdout only" {
    import_run_base
    hive create --name f3 --network none --restart on-failure:1 busybox sh -c 'echo hi; echo oops >&2; exit 2' >/dev/null
    hive start -a f3 >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
    [ "$rc" = 2 ]
    [ "$(cat "$WORK/out")" = hi ]
    [ "$(cat "$WORK/err")" = oops ]
    wait_for 20 restarts_at_least f3 1
    hive run -a stdout --name f4 --network none --restart on-failure:1 busybox sh -c 'echo o; echo e >&2' \
        >"$WORK/out4" 2>"$WORK/err4"
    [ "$(cat "$WORK/out4")" = o ]
    [ ! -s "$WORK/err4" ]
}

@test "a foreground container's health check runs; --rm removes it before run returns" {
    import_run_base
    # the container waits for its own check to have run (busybox timeout: 143 if it never does)
    run_hive 0 run --rm --network none --health-cmd 'touch /tmp/checked' --health-interval 100ms --health-start-interval 100ms \
        busybox timeout 20 sh -c 'until [ -e /tmp/checked ]; do sleep 0.05; done; echo checked'
    [ "$output" = checked ]
    [ -z "$(hive ps -aq)" ]
    # without --rm: the health state is in inspect after the run
    run_hive 0 run --name f5 --network none --health-cmd 'exit 0' --health-interval 100ms --health-start-interval 100ms \
        busybox sh -c 'sleep 1.5'
    [ "$(hive inspect --format '{{.State.Status}} {{.State.ExitCode}}' f5)" = "exited 0" ]
    hive inspect --format '{{json .State.Health}}' f5 | grep -q '"ExitCode":0'
}

@test "a slow reader of a foreground run loses no output (the container waits, as with a pipe)" {
    import_run_base
    hive run --name f6 --network none --restart on-failure:1 busybox seq 1 300000 | { sleep 2; wc -l; } > "$WORK/n"
    [ "$(cat "$WORK/n")" = 300000 ]
}

@test "run -it: ctrl-p ctrl-q detaches and the container keeps running; --sig-proxy=false lets the command end alone" {
    import_run_base
    TMUX_L=hive-fg-$$-$BATS_TEST_NUMBER
    tmux -L "$TMUX_L" -f /dev/null new-session -d -x 100 -y 30 \
        "env HIVE_ROOT=$HIVE_ROOT HIVE_RUNROOT=$HIVE_RUNROOT HIVE_CONFIG=$HIVE_CONFIG HIVE_HOOKS_DIR=$HIVE_HOOKS_DIR $HIVE run -it --name t1 --network none busybox sh; echo rc=\$? > $WORK/rc; sleep 60"
    wait_for 20 bash -c "tmux -L $TMUX_L send-keys 'echo hel\"\"lo-\$((6*7))' Enter; sleep 0.5; tmux -L $TMUX_L capture-pane -p | grep -q '^hello-42'"
    tmux -L "$TMUX_L" send-keys C-p C-q
    wait_for 10 test -s "$WORK/rc"
    [ "$(cat "$WORK/rc")" = "rc=0" ]
    state_is t1 running
    # --sig-proxy=false: a SIGTERM ends the command, not the container
    "$HIVE" run --sig-proxy=false --name t2 --network none busybox sleep 300 >/dev/null &
    cli=$!
    wait_for 20 state_is t2 running
    kill -TERM "$cli"
    wait "$cli" || true
    sleep 0.3
    state_is t2 running
    # with the default --sig-proxy the signal goes to the container (a restart policy's run)
    # (once attached: its output has arrived)
    "$HIVE" run --name t3 --network none --restart on-failure:1 busybox sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$WORK/t3" &
    cli=$!
    wait_for 20 grep -q ready "$WORK/t3"
    kill -TERM "$cli"
    wait "$cli" && rc=0 || rc=$?
    echo "rc=$rc"
    [ "$rc" = 9 ]
}
