#!/usr/bin/env bats
# Detached containers: hive-monitor, logs, stop/kill/wait/restart/start, and
# what is left after the monitor or the CLI is killed.
load helpers


teardown() { teardown_containers; }

@test "run -d prints the ID; ps shows it up; logs has stdout and stderr" {
    import_run_base
    run_hive 0 run -d --name d1 busybox sh -c 'echo to-out; echo to-err >&2; sleep 30'
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    id=$output
    run_hive 0 ps --format '{{.ID}} {{.Names}} {{.State}}'
    [ "$output" = "${id:0:12} d1 running" ]
    sleep 0.3
    run "$HIVE" logs d1
    [[ "$output" == *"to-out"* ]]
    [[ "$output" == *"to-err"* ]]
    [ "$("$HIVE" logs d1 2>/dev/null)" = "to-out" ]
    [ "$("$HIVE" logs d1 2>&1 >/dev/null)" = "to-err" ]
    run_hive 0 logs -t d1
    [[ "$output" =~ [0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z\ to-out ]]
}

@test "logs --tail and -f (follow until the container exits)" {
    import_run_base
    hive run -d --name counter busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done' >/dev/null
    run_hive 0 logs -f counter
    [ "$output" = "$(printf 'line1\nline2\nline3\nline4\nline5')" ]
    run_hive 0 logs --tail 2 counter
    [ "$output" = "$(printf 'line4\nline5')" ]
    run_hive 0 wait counter
    [ "$output" = "0" ]
}

@test "stop sends the stop signal, then SIGKILL after -t; wait returns the status" {
    import_run_base
    hive run -d --name graceful busybox sh -c 'trap "exit 42" TERM; while true; do sleep 0.1; done' >/dev/null
    hive run -d --name stubborn busybox sh -c 'trap "" TERM; while true; do sleep 0.1; done' >/dev/null
    sleep 0.3
    run_hive 0 stop graceful
    [ "$output" = "graceful" ]
    run_hive 0 ps -a --format '{{.Names}} {{.Status}}' 
    [[ "$output" == *"graceful Exited (42)"* ]]
    start=$(date +%s%N)
    run_hive 0 stop -t 1 stubborn
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$elapsed" -ge 900 ]
    [ "$elapsed" -lt 5000 ]
    run_hive 0 wait stubborn
    [ "$output" = "137" ]
    run_hive 0 run -d --name sig --stop-signal USR1 busybox sh -c 'trap "exit 7" USR1; while true; do sleep 0.1; done'
    sleep 0.3
    hive stop sig >/dev/null
    [ "$(hive wait sig)" = "7" ]
    # one never started: 0 at once, as Docker
    hive create --name fresh busybox true >/dev/null
    [ "$(hive wait fresh)" = 0 ]
    # a --rm container that exits and goes while `wait` sleeps (SIGSTOP),
    # so no poll sees its exit or its record: the status still comes (its die event)
    hive run -d --rm --name gone busybox sh -c 'sleep 1; exit 5' >/dev/null
    "$HIVE" wait gone > "$BATS_TEST_TMPDIR/wait.out" &
    wpid=$!
    sleep 0.3
    kill -STOP $wpid
    until_true 10 bash -c "! '$HIVE' inspect gone >/dev/null 2>&1"
    kill -CONT $wpid
    wait $wpid
    [ "$(cat "$BATS_TEST_TMPDIR/wait.out")" = 5 ]
}

@test "kill -s, restart keeps the writable layer, start -a attaches" {
    import_run_base
    hive run -d --name k busybox sh -c 'echo $(( $(cat /n 2>/dev/null || echo 0) + 1 )) > /n; cat /n; trap "exit 3" HUP; while true; do sleep 0.1; done' >/dev/null
    sleep 0.3
    run_hive 0 kill -s HUP k
    [ "$(hive wait k)" = "3" ]
    run_hive 0 restart k
    sleep 0.3
    [ "$(hive ps --format '{{.Names}}')" = "k" ]
    [ "$(hive logs --tail 1 k)" = "2" ]
    run_hive 125 kill -s NOPE k
    [[ "$output" == *'invalid signal "NOPE"'* ]]
    hive kill k >/dev/null
    hive wait k >/dev/null
    run_hive 1 kill k
    [[ "$output" == *"is not running"* ]]
    run_hive 0 create --name c1 busybox echo created-then-started
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run_hive 0 ps -a --format '{{.Names}} {{.Status}}'
    [[ "$output" == *"c1 Created"* ]]
    run_hive 0 start -a c1
    [ "$output" = "created-then-started" ]
}

@test "rm refuses a running container without -f; run -d --rm removes itself" {
    import_run_base
    hive run -d --name busy busybox sleep 30 >/dev/null
    run_hive 1 rm busy
    [[ "$output" == *"container is running"* ]]
    run_hive 0 rm -f busy
    [ -z "$(hive ps -aq)" ]
    hive run -d --rm --name gone busybox true >/dev/null
    for i in $(seq 50); do [ -z "$(hive ps -aq)" ] && break; sleep 0.1; done
    [ -z "$(hive ps -aq)" ]
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
}

@test "ps is right after the monitor is killed, and rm -f cleans up" {
    import_run_base
    hive run -d --name orphan busybox sleep 60 >/dev/null
    mon=$(pgrep -f "hive-monitor [0-9a-f]{64} $HIVE_ROOT" | head -1)
    [ -n "$mon" ]
    kill -9 "$mon"
    sleep 0.3
    run_hive 0 ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "orphan exited" ]
    for _ in $(seq 30); do pgrep -f "sleep 60" >/dev/null || break; sleep 0.1; done
    ! pgrep -f "sleep 60" >/dev/null || false
    run_hive 0 rm -f orphan
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
}

@test "the monitor stays small (RSS at most 2 MiB)" {
    import_run_base
    hive run -d --name small busybox sleep 30 >/dev/null
    mon=$(pgrep -f "hive-monitor [0-9a-f]{64} $HIVE_ROOT" | head -1)
    rss=$(awk '/VmRSS/ {print $2}' /proc/$mon/status)
    echo "monitor RSS: $rss kB"
    [ "$rss" -le 2048 ]
}

@test "50 containers started with -d at once all run; rm -f of all leaves nothing" {
    import_run_base
    for i in $(seq 50); do "$HIVE" run -d --name "c$i" busybox sleep 60 >/dev/null & done
    wait
    [ "$(hive ps -q | wc -l)" -eq 50 ]
    [ "$(pgrep -fc 'sleep 60')" -ge 50 ]
    hive rm -f $(hive ps -aq) >/dev/null
    [ -z "$(hive ps -aq)" ]
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
    for _ in $(seq 30); do pgrep -f "sleep 60" >/dev/null || break; sleep 0.1; done
    ! pgrep -f "sleep 60" >/dev/null || false
    ! pgrep -f "hive-monitor" >/dev/null || sleep 1
    ! pgrep -f "hive-monitor [0-9a-f]{64} $HIVE_ROOT" >/dev/null || false
    ! grep -q "$HIVE_ROOT" /proc/mounts || false
}

@test "exec joins the container: namespaces, cgroup, capabilities, seccomp; exit codes" {
    import_run_base
    hive run -d --name ex busybox sh -c 'echo inside > /tmp/f; sleep 60' >/dev/null
    sleep 0.3
    run_hive 0 exec ex sh -c 'cat /tmp/f; hostname; grep -E "CapEff|CapInh|NoNewPrivs|Seccomp:" /proc/self/status; ps -o pid,comm | sed -n 2p'
    [[ "${lines[0]}" == "inside" ]]
    [ "${lines[1]}" = "$(hive ps --no-trunc --format '{{.ID}}' | cut -c1-12)" ]
    [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
    [[ "$output" == *"CapInh:	0000000000000000"* ]]
    [[ "$output" == *"NoNewPrivs:	1"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
    [[ "$output" == *"1 sleep"* ]]
    run_hive 0 exec -u nobody -w /tmp -e X=1 ex sh -c 'id -u; pwd; echo $X; unshare -m true 2>/dev/null || echo denied'
    [ "$output" = "$(printf '65534\n/tmp\n1\ndenied')" ]
    run_hive 5 exec ex sh -c 'exit 5'
    run_hive 127 exec ex nothere
    run_hive 0 exec -d ex sh -c 'echo detached > /tmp/d'
    sleep 0.2
    [ "$(hive exec ex cat /tmp/d)" = "detached" ]
    hive stop -t 0 ex >/dev/null
    run_hive 125 exec ex true
    [[ "$output" == *"is not running"* ]]
}

@test "-t gives a real pty with the terminal's size; -it is interactive; exec -t too" {
    import_run_base
    run_hive 0 run --rm -t busybox sh -c 'tty; echo $TERM; stat -c "%t:%T" /dev/console'
    [[ "${lines[0]}" == "/dev/pts/0"* ]]
    [[ "${lines[1]}" == "xterm"* ]]
    [[ "${lines[2]}" == "88:0"* ]]   # /dev/console is the pty (major 136 = 0x88)
    run_hive 1 run --rm busybox ls /dev/console
    run python3 - "$HIVE" <<'PY'
import os, pty, sys, struct, fcntl, termios, select
hive = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(hive, [hive, "run", "--rm", "-it", "busybox", "sh"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
out = b""
def drain(t):
    global out
    while True:
        r, _, _ = select.select([fd], [], [], t)
        if not r: return
        try: d = os.read(fd, 4096)
        except OSError: return
        if not d: return
        out += d
drain(1.5)
os.write(fd, b"stty size; echo sum-$((40+2))\r")
drain(1.0)
os.write(fd, b"exit 7\r")
drain(1.0)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("EXIT", os.waitstatus_to_exitcode(st))
PY
    [[ "$output" == *"33 101"* ]]
    [[ "$output" == *"sum-42"* ]]
    [[ "$output" == *"EXIT 7"* ]]
    id=$(hive run -d -t busybox sh -c 'tty; echo through-the-pty')
    [ "$(hive wait "$id")" = "0" ]
    [[ "$(hive logs "$id")" == *"through-the-pty"* ]]
    hive run -d --name te busybox sleep 30 >/dev/null
    run_hive 0 exec -t te tty
    [[ "$output" == "/dev/pts/"* ]]
}

@test "--init runs a reaping init as PID 1 that forwards stop signals" {
    import_run_base
    run_hive 3 run --rm --init busybox sh -c 'ps -o pid,comm | sed -n 2p; exit 3'
    [[ "$output" == *"1 init"* ]]
    hive run -d --name in1 --init busybox sleep 60 >/dev/null
    sleep 0.2
    start=$(date +%s%N)
    run_hive 0 stop in1
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ]
    [ "$(hive wait in1)" = "143" ]
}

@test "kill -9 of the CLI at any point of run leaves nothing rm -f cannot clean up" {
    import_run_base
    groups_before=$(ls /sys/fs/cgroup/pids | grep -c '^hive-' || true)
    for delay in 0 0.002 0.005 0.01 0.02 0.05 0.1; do
        for mode in "-d" "--rm" ""; do
            "$HIVE" run $mode busybox sleep 30 >/dev/null 2>&1 &
            pid=$!
            sleep $delay
            kill -9 $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
        done
    done
    sleep 0.3
    hive rm -f $(hive ps -aq) >/dev/null 2>&1 || true
    [ -z "$(hive ps -aq)" ]
    [ -z "$(ls "$HIVE_ROOT/containers" 2>/dev/null)" ]
    # no process, monitor or cgroup of this store is left
    ! pgrep -f "hive-monitor [0-9a-f]{64} $HIVE_ROOT" >/dev/null || false
    groups_after=$(ls /sys/fs/cgroup/pids | grep -c '^hive-' || true)
    [ "$groups_after" -le "$groups_before" ] || { echo "cgroups left: $groups_before -> $groups_after"; return 1; }
    # the store still works
    run_hive 0 run --rm busybox echo still-fine
    [ "$output" = "still-fine" ]
}

@test "start -i attaches stdin, start -a does not; a -t container started with -a talks through its pty" {
    import_run_base
    hive create --name c1 -i busybox sh -c 'read x; echo "got $x"' >/dev/null
    run_hive 0 start -i c1 <<< "hello"
    [ "$output" = "got hello" ]
    run_hive 0 start -a c1 <<< "hello"
    [ "$output" = "got " ]
    hive create --name t1 -t busybox sh -c 'tty; echo in-tty' >/dev/null
    run_hive 0 start -a t1 < /dev/null
    [[ "$output" == *"/dev/pts/"*"in-tty"* ]]
}

@test "stop -s sends that signal; --timeout and the older --time bound the wait; a bad signal is refused before anything stops" {
    import_run_base
    hive run -d --name sig1 --network none busybox sh -c 'trap "exit 42" INT; while :; do sleep 0.1; done' >/dev/null
    run_hive 125 stop -s NOSUCH sig1
    [ "$(hive inspect --format '{{.State.Status}}' sig1)" = running ]
    run_hive 0 stop -s SIGINT --timeout 10 sig1
    [ "$(hive inspect --format '{{.State.ExitCode}}' sig1)" = 42 ]
    hive run -d --name sig2 --network none busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
    start=$(date +%s%N)
    run_hive 0 stop --time 1 sig2
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
    [ "$(hive inspect --format '{{.State.ExitCode}}' sig2)" = 137 ]
}

@test "exec --env-file reads KEY=VALUE lines (comments and blanks skipped); -e wins; a missing file is refused" {
    import_run_base
    hive run -d --name envx --network none busybox sleep 60 >/dev/null
    printf '# a comment\nA=from-file\n\nB=two words\n' > "$WORK/env"
    run_hive 0 exec --env-file "$WORK/env" -e A=from-flag envx sh -c 'echo "$A|$B"'
    [ "$output" = "from-flag|two words" ]
    run_hive 125 exec --env-file "$WORK/nosuch" envx true
    [[ "$output" == *"$WORK/nosuch"* ]]
}
