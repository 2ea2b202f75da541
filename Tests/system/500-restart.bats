#!/usr/bin/env bats
# Restart policies (issue #14, --restart): Docker's rules and backoff carried
# out by the container's monitor; stop/kill/rm -f ending a policy; a pre-start
# hook denying a restart; `start --all` after a simulated reboot.
load helpers

teardown() { teardown_containers; }

# restarts NAME: its RestartCount
restarts() { "$HIVE" inspect --format '{{.RestartCount}}' "$1"; }

# until_true (helpers.bash) polls a command until it succeeds.
count_at_least() { [ "$(restarts "$1")" -ge "$2" ]; }
# the container's monitor is gone (its policy ended)
monitor_gone() { ! pgrep -f "hive-monitor $("$HIVE" inspect --format '{{.Id}}' "$1") " >/dev/null; }
monitor_pid() { pgrep -f "hive-monitor $("$HIVE" inspect --format '{{.Id}}' "$1") "; }
state_is() { [ "$("$HIVE" inspect --format '{{.State.Status}}' "$1")" = "$2" ]; }

@test "bad --restart values are refused with nothing left behind" {
    import_run_base
    run_hive 125 run -d --network none --restart sometimes busybox true
    [[ "$output" == *'invalid restart policy "sometimes"'* ]]
    run_hive 125 run -d --network none --restart on-failure:-1 busybox true
    [[ "$output" == *"maximum retry count"* ]]
    run_hive 125 run -d --network none --restart always:3 busybox true
    [[ "$output" == *"only be used with 'on-failure'"* ]]
    run_hive 125 run -d --rm --network none --restart always busybox true
    [[ "$output" == *"--rm"* ]]
    [ -z "$(hive ps -aq)" ]
    run_hive 125 create --network none --restart on-failure:x busybox true
    [ -z "$(hive ps -aq)" ]
    run_hive 125 start --all --filter status=running
    [[ "$output" == *'invalid filter "status=running"'* ]]
    run_hive 125 start --filter restart-policy=always x
    run_hive 125 start --all x
}

@test "on-failure:2 restarts a failing container exactly twice, with the backoff; a clean exit is not restarted" {
    import_run_base
    start=$(date +%s%N)
    hive run -d --name fail2 --network none --restart on-failure:2 busybox sh -c 'exit 3' >/dev/null
    hive run -d --name ok --network none --restart on-failure busybox true >/dev/null
    until_true 20 monitor_gone fail2
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    # backoffs of 100 and 200 ms
    [ "$elapsed" -ge 300 ]
    [ "$(restarts fail2)" = 2 ]
    run_hive 0 ps -a --filter name=fail2 --format '{{.Status}}'
    [[ "$output" == "Exited (3) "* ]]
    run_hive 0 inspect --format '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.State.Restarting}} {{.State.ExitCode}}' fail2
    [ "$output" = "on-failure:2 false 3" ]
    # Docker's events for a restart: die, then start (3 runs)
    [ "$(hive events --until 0s --filter container=fail2 --filter event=start | wc -l)" = 3 ]
    [ "$(hive events --until 0s --filter container=fail2 --filter event=die | wc -l)" = 3 ]
    until_true 10 monitor_gone ok
    [ "$(restarts ok)" = 0 ]
    run_hive 0 inspect --format '{{.State.Status}} {{.State.ExitCode}}' ok
    [ "$output" = "exited 0" ]
}

@test "no never restarts; always restarts on exit 0 with a doubling backoff, on the bridge too; stop ends it" {
    import_run_base
    hive run -d --name never --network none busybox sh -c 'exit 1' >/dev/null
    start=$(date +%s%N)
    hive run -d --name forever --restart always busybox sh -c 'ip -o addr show eth0 | grep -q inet && echo net-ok' >/dev/null
    until_true 20 count_at_least forever 3
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$elapsed" -ge 700 ]  # 100 + 200 + 400 ms
    # every run had its network
    until_true 5 bash -c "[ \$(\"$HIVE\" logs forever | grep -c net-ok) -ge 3 ]"
    run_hive 0 inspect --format '{{.HostConfig.RestartPolicy.Name}} {{.RestartCount}} {{.State.ExitCode}}' never
    [ "$output" = "no 0 1" ]
    run_hive 0 stop forever
    until_true 10 monitor_gone forever
    n=$(restarts forever)
    state_is forever exited
    sleep 1  # longer than the backoff it was in: no further run
    [ "$(restarts forever)" = "$n" ]
    state_is forever exited
    # a start by the user begins the policy afresh
    run_hive 0 start forever
    until_true 10 count_at_least forever 1
    [ "$(restarts forever)" -lt "$n" ] || [ "$n" -le 1 ]
}

@test "a restarting container: ps, inspect, filter; stop, kill -9 of its monitor, rm -f" {
    import_run_base
    # exits at once: after 5 restarts (3.1 s of backoff) it waits 3.2 s
    for n in r1 r2 r3; do hive run -d --name $n --network none --restart always busybox sh -c 'exit 5' >/dev/null; done
    for n in r1 r2 r3; do until_true 20 count_at_least $n 5; done
    until_true 5 state_is r1 restarting
    run_hive 0 ps -a --filter name=r1 --format '{{.State}} {{.Status}}'
    [[ "$output" == "restarting Restarting (5) "*" ago" ]]
    run_hive 0 ps --filter status=restarting --format '{{.Names}}'
    [[ "$output" == *r1* ]]
    # plain ps lists it, and inspect says Running too (as Docker's do)
    run_hive 0 ps --format '{{.Names}}'
    [[ "$output" == *r1* ]]
    run_hive 0 inspect --format '{{.State.Restarting}} {{.State.Running}} {{.State.Pid}}' r1
    [ "$output" = "true true 0" ]
    # stop ends the policy at once (the backoff is not waited out)
    t0=$(date +%s%N)
    run_hive 0 stop r1
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2500 ]
    monitor_gone r1
    run_hive 0 inspect --format '{{.State.Status}} {{.State.Restarting}}' r1
    [ "$output" = "exited false" ]
    # kill -9 of the monitor: plain exited, rm -f cleans up
    until_true 5 state_is r2 restarting
    kill -9 $(monitor_pid r2)
    until_true 5 state_is r2 exited
    run_hive 0 ps -a --filter name=r2 --format '{{.State}} {{.Status}}'
    [[ "$output" == "exited Exited (5) "* ]]
    # rm without -f refuses a restarting container; rm -f ends its monitor
    until_true 5 state_is r3 restarting
    mon=$(monitor_pid r3)
    run_hive 1 rm r3
    [[ "$output" == *"is restarting"* ]]
    run_hive 0 rm -f r2 r3
    ! kill -0 "$mon" 2>/dev/null
    [ "$(hive ps -aq | wc -l)" = 1 ]
}

@test "a pre-start hook that denies a restart ends the policy" {
    import_run_base
    add_hook 10-no-restart.lua <<'EOF'
hive.on("pre-start", function(c)
  if c.state == "exited" then hive.deny("restarts are not allowed here") end
end)
EOF
    hive run -d --name denied --network none --restart always busybox true >/dev/null
    until_true 10 monitor_gone denied
    [ "$(restarts denied)" = 0 ]
    run_hive 0 inspect --format '{{.State.Status}} {{.State.Restarting}}' denied
    [ "$output" = "exited false" ]
    run_hive 0 events --until 0s --filter container=denied --filter event=restart-ended
    [[ "$output" == *"restarts are not allowed here"* ]]
}

@test "start --all after a simulated reboot: always and unless-stopped come back, a stopped unless-stopped does not" {
    import_run_base
    hive run -d --name a1 --network none --restart always busybox sleep 300 >/dev/null
    hive run -d --name u1 --network none --restart unless-stopped busybox sleep 300 >/dev/null
    hive run -d --name u2 --network none --restart unless-stopped busybox sleep 300 >/dev/null
    hive run -d --name a2 --network none --restart always busybox sleep 300 >/dev/null
    hive run -d --name n1 --network none busybox sleep 300 >/dev/null
    hive stop -t 0 u2 a2 >/dev/null
    # the reboot: every process gone at once, the runroot empty; records say running
    for m in $(pgrep -f "hive-monitor [0-9a-f]{64} $HIVE_ROOT"); do kill -9 $m; done
    for p in $(pgrep -f "sleep 300"); do kill -9 $p 2>/dev/null || true; done
    until_true 10 bash -c '! pgrep -f "[s]leep 300" >/dev/null'
    release_runroot_mounts
    rm -rf "${HIVE_RUNROOT:?}"/*
    run_hive 0 start --all --filter restart-policy=unless-stopped
    [ "$(echo "$output" | wc -l)" = 1 ]
    state_is u1 running
    state_is u2 exited
    state_is a1 exited
    run_hive 0 start --all
    state_is a1 running
    state_is a2 running  # always: back after a reboot even if it was stopped (Docker's rule)
    state_is u2 exited
    state_is n1 exited
    run_hive 0 ps --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "a1 a2 u1 " ]
    # nothing is started twice
    run_hive 0 start --all
    [ -z "$output" ]
}
