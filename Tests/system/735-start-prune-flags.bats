#!/usr/bin/env bats
# start --detach-keys and container prune --filter (issue #15).
load helpers

teardown() {
    [ -n "${TMUX_L:-}" ] && tmux -L "$TMUX_L" kill-server 2>/dev/null
    teardown_containers
}

# A tmux session of its own running `hive start ARGS...`; its status lands in $WORK/rc.
start_in_tmux() {
    TMUX_L=hive-start-$$-$BATS_TEST_NUMBER
    tmux -L "$TMUX_L" -f /dev/null new-session -d -x 100 -y 30 \
        "env HIVE_ROOT=$HIVE_ROOT HIVE_RUNROOT=$HIVE_RUNROOT HIVE_CONFIG=$HIVE_CONFIG HIVE_HOOKS_DIR=$HIVE_HOOKS_DIR $HIVE start $*; echo rc=\$? > $WORK/rc; sleep 60"
}

@test "start -ai --detach-keys: the given sequence detaches, the container keeps running; a bad one starts nothing" {
    import_run_base
    run_hive 0 create -it --network none --name d1 busybox sh
    run_hive 125 start -ai --detach-keys=ctrl-1 d1
    [[ "$output" == *'invalid detach keys "ctrl-1"'* ]]
    run_hive 125 start --detach-keys=ctrl-p,, d1
    [[ "$output" == *'invalid detach keys'* ]]
    run_hive 0 ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "d1 created" ]
    start_in_tmux -ai --detach-keys=ctrl-x,y d1
    wait_for 20 bash -c "tmux -L $TMUX_L send-keys 'echo st\"\"art-\$((6*7))' Enter; sleep 0.5; tmux -L $TMUX_L capture-pane -p | grep -q '^start-42'"
    # the default sequence is typed through now (the shell still answers); the given one detaches
    tmux -L "$TMUX_L" send-keys C-p C-q
    wait_for 20 bash -c "tmux -L $TMUX_L send-keys 'echo af\"\"ter-\$((6*7))' Enter; sleep 0.5; tmux -L $TMUX_L capture-pane -p | grep -q '^after-42'"
    [ ! -s "$WORK/rc" ]
    tmux -L "$TMUX_L" send-keys C-x y
    wait_for 10 test -s "$WORK/rc"
    [ "$(cat "$WORK/rc")" = "rc=0" ]
    run_hive 0 ps --format '{{.Names}} {{.State}}'
    [ "$output" = "d1 running" ]
}

@test "container prune --filter label=, label!=, until= removes only the stopped containers that match" {
    import_run_base
    hive create --name p1 --label tier=a busybox true >/dev/null
    hive create --name p2 --label tier=b busybox true >/dev/null
    hive create --name p3 busybox true >/dev/null
    hive run -d --network none --name live --label tier=a busybox sleep 300 >/dev/null
    run_hive 0 container prune -f --filter label=tier=a
    [[ "$output" == *"Deleted Containers:"* ]]
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "live p2 p3 " ]
    run_hive 0 container prune -f --filter 'label!=tier'
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "live p2 " ]
    # until: created before a time (a duration ago, or a timestamp)
    run_hive 0 container prune -f --filter until=1h
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "live p2 " ]
    run_hive 0 container prune -f --filter until=$(( $(date +%s) + 60 ))
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$output" = live ]
    # Docker's keys only, checked before anything goes
    hive create --name p4 busybox true >/dev/null
    run_hive 125 container prune -f --filter dangling=true
    [[ "$output" == *"invalid filter 'dangling'"* ]]
    run_hive 125 container prune -f --filter until=soon
    run_hive 125 container prune -f --filter nokey
    [[ "$output" == *"bad format of filter"* ]]
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "live p4 " ]
}
