#!/usr/bin/env bats
# hive attach: the monitor's attach socket (run -dit then attach gives the
# shell, the detach keys, stdin, several clients, exit codes, hostile clients).
load helpers

teardown() {
    [ -n "${TMUX_L:-}" ] && tmux -L "$TMUX_L" kill-server 2>/dev/null
    teardown_containers
}

pane_has() { tmux -L "$TMUX_L" capture-pane -p | grep -qF -- "$1"; }
file_has() { grep -qF -- "$2" "$1" 2>/dev/null; }

# A tmux session of its own running `hive attach ARGS...`; its status lands in $WORK/rc.
attach_in_tmux() {
    TMUX_L=hive-attach-$$-$BATS_TEST_NUMBER
    tmux -L "$TMUX_L" -f /dev/null new-session -d -x 100 -y 30 \
        "env HIVE_ROOT=$HIVE_ROOT HIVE_RUNROOT=$HIVE_RUNROOT HIVE_CONFIG=$HIVE_CONFIG HIVE_HOOKS_DIR=$HIVE_HOOKS_DIR $HIVE attach $*; echo rc=\$? > $WORK/rc; sleep 60"
}

ctr_dir() { echo "$HIVE_ROOT/containers/$("$HIVE" inspect -f '{{.Id}}' "$1")"; }

@test "run -dit, then attach gives the shell (its size too); ctrl-p ctrl-q detaches and it keeps running" {
    import_run_base
    run_hive 0 run -dit --network none --name sh1 busybox sh
    attach_in_tmux sh1
    # the shell answers (the prompt was written before we attached: type until it does)
    wait_for 20 bash -c "tmux -L $TMUX_L send-keys 'echo hel\"\"lo-\$((6*7)); stty size' Enter; sleep 0.5; tmux -L $TMUX_L capture-pane -p | grep -q '^hello-42'"
    pane_has "30 100"
    tmux -L "$TMUX_L" send-keys C-p C-q
    wait_for 10 test -s "$WORK/rc"
    [ "$(cat "$WORK/rc")" = "rc=1" ]
    pane_has "read escape sequence"
    run_hive 0 ps --format '{{.Names}} {{.State}}'
    [ "$output" = "sh1 running" ]
    # attached again with other keys: a start of the sequence that is not followed by the rest is typed through
    rm -f "$WORK/rc"
    tmux -L "$TMUX_L" kill-server
    attach_in_tmux --detach-keys=a,b sh1
    wait_for 20 bash -c "tmux -L $TMUX_L send-keys 'echo aXb-ok' Enter; sleep 0.5; tmux -L $TMUX_L capture-pane -p | grep -q '^aXb-ok'"
    tmux -L "$TMUX_L" send-keys 'exit 4' Enter
    wait_for 10 test -s "$WORK/rc"
    [ "$(cat "$WORK/rc")" = "rc=4" ]
    run_hive 0 ps -a --format '{{.Names}} {{.Status}}'
    [[ "$output" == "sh1 Exited (4)"* ]]
}

@test "run -di: attach sends stdin, gets stdout and stderr and the exit code; output with nobody attached is in logs" {
    import_run_base
    run_hive 0 run -di --network none --name in1 busybox sh -c 'echo before; read x; echo got-$x; echo err-$x >&2; exit 3'
    dir=$(ctr_dir in1)
    [ "$(stat -c %a "$dir/attach")" = "600" ]
    run -3 bash -c "echo hi | '$HIVE' attach in1 2>'$WORK/err'"
    [ "$output" = "got-hi" ]
    [ "$(cat "$WORK/err")" = "err-hi" ]
    run_hive 0 logs in1
    [[ "$output" == *before*got-hi*err-hi* ]] || [[ "$output" == *before*err-hi*got-hi* ]]
    # the monitor ended: its socket is gone, and attach says the container is stopped
    wait_for 10 test ! -e "$dir/attach"
    run_hive 1 attach in1
    [ "$output" = "hive: You cannot attach to a stopped container, start it first" ]
}

@test "two clients get the output; --no-stdin sends none; both get the exit code" {
    import_run_base
    run_hive 0 run -di --network none --name two busybox sh -c 'while read l; do echo "got:$l"; [ "$l" = quit ] && exit 5; done; exit 9'
    echo fromA > "$WORK/a.in"
    "$HIVE" attach --no-stdin two < "$WORK/a.in" > "$WORK/a.out" 2>&1 & pa=$!
    "$HIVE" attach --sig-proxy=false two < /dev/null > "$WORK/b.out" 2>&1 & pb=$!
    mkfifo "$WORK/in"
    "$HIVE" attach two < "$WORK/in" > "$WORK/c.out" 2>&1 & pc=$!
    exec 7> "$WORK/in"
    # until both listeners are attached: ping through the third
    wait_for 20 bash -c "echo ping >&7; sleep 0.2; grep -q got:ping '$WORK/a.out' && grep -q got:ping '$WORK/b.out'"
    echo quit >&7
    exec 7>&-
    for p in $pa $pb $pc; do st=0; wait $p || st=$?; [ "$st" -eq 5 ]; done
    grep -q got:quit "$WORK/a.out"
    grep -q got:quit "$WORK/b.out"
    ! grep -q fromA "$WORK/a.out" "$WORK/b.out" "$WORK/c.out"
    [ "$(hive wait two)" = "5" ]
}

@test "--sig-proxy forwards signals to the container (without a tty)" {
    import_run_base
    run_hive 0 run -d -i --network none --name sp busybox sh -c 'trap "echo got-term; exit 7" TERM; while true; do echo tick; sleep 0.1; done'
    "$HIVE" attach --no-stdin sp > "$WORK/sp.out" 2>&1 & p=$!
    wait_for 20 file_has "$WORK/sp.out" tick
    kill -TERM $p
    st=0; wait $p || st=$?
    [ "$st" -eq 7 ]
    grep -q got-term "$WORK/sp.out"
    # --sig-proxy=false: the signal ends the client, the container runs on
    run_hive 0 run -d --network none --name sp2 busybox sh -c 'trap "exit 7" TERM; while true; do echo tick; sleep 0.1; done'
    "$HIVE" attach --sig-proxy=false sp2 > "$WORK/sp2.out" 2>&1 & p=$!
    wait_for 20 file_has "$WORK/sp2.out" tick
    kill -TERM $p
    st=0; wait $p || st=$?
    [ "$st" -eq 143 ]
    run_hive 0 ps --format '{{.Names}}' --filter name=sp2
    [ "$output" = "sp2" ]
}

@test "attach refused: created, unknown, bad detach keys, no socket, a tty without a terminal; bad run -a" {
    import_run_base
    run_hive 125 run -a stdout -a foo --network none busybox true
    [[ "$output" == *'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR'* ]]
    run_hive 125 run -d -a STDOUT --network none busybox true
    [[ "$output" == *"conflicting options: -a and -d"* ]]
    [ -z "$(hive ps -aq)" ]
    run_hive 0 create --name made busybox true
    run_hive 1 attach made
    [ "$output" = "hive: You cannot attach to a stopped container, start it first" ]
    run_hive 1 attach nosuch
    [[ "$output" == *"no such container: nosuch"* ]]
    run_hive 1 attach --detach-keys=ctrl-1 made
    [[ "$output" == *'invalid detach keys "ctrl-1": unknown key "ctrl-1"'* ]]
    run_hive 1 attach --detach-keys=ctrl-p,, made
    [[ "$output" == *'invalid detach keys'* ]]
    run_hive 0 run -dit --network none --name tt busybox sh
    run_hive 1 attach tt < /dev/null
    [[ "$output" == *"the input device is not a TTY"* ]]
    run_hive 0 run -d --network none --name old busybox sleep 60
    rm "$(ctr_dir old)/attach"   # as a monitor of an older hive leaves it
    run_hive 1 attach old
    [[ "$output" == *"container old has no attach socket"* ]]
}

# py_client MODE DIR: a client of the attach socket speaking (or abusing) the protocol.
py_client() {
    python3 - "$@" <<'EOF'
import os, socket, struct, sys, time
mode, d = sys.argv[1], sys.argv[2]
dfd = os.open(d, os.O_PATH | os.O_DIRECTORY)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("/proc/self/fd/%d/attach" % dfd)
def drain(limit):
    n = 0
    s.settimeout(20)
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:   # closed with our bytes unread: a reset
            return n
        if not b:
            return n
        n += len(b)
        if n > limit:
            return -1
if mode == "garbage":
    s.sendall(b"\x63\x00\x00\x00\x00\x00\x00\x04abcd")        # an unknown type
elif mode == "huge":
    s.sendall(struct.pack(">BxxxI", 16, 0xFFFFFFFF))          # stdin of 4 GiB
elif mode == "reserved":
    s.sendall(b"\x10\x01\x00\x00\x00\x00\x00\x01x")           # a non-zero reserved byte
elif mode == "badresize":
    s.sendall(struct.pack(">BxxxI", 17, 5) + b"12345")        # a resize of 5 bytes
elif mode == "sleepy":
    time.sleep(4)                                             # never reads while output flows
# the monitor ends the connection, after a bounded amount of output
n = drain(8 << 20)
print("closed" if n >= 0 else "unbounded", n)
EOF
}

@test "hostile clients (garbage, huge lengths, never reading) are disconnected; the monitor and other clients go on" {
    import_run_base
    run_hive 0 run -d -i --network none --log-opt max-size=2m --name h busybox sh -c 'while true; do seq 1 300; done'
    dir=$(ctr_dir h)
    "$HIVE" attach --no-stdin h > "$WORK/good.out" 2>&1 & pg=$!
    wait_for 20 test -s "$WORK/good.out"
    for mode in garbage huge reserved badresize sleepy; do
        run py_client $mode "$dir"
        [ "$status" -eq 0 ]
        [[ "$output" == closed* ]] || { echo "$mode: $output"; false; }
    done
    # the monitor still serves: the log grows, the first client still reads, a new one attaches
    size1=$(stat -c %s "$dir/log")
    out1=$(stat -c %s "$WORK/good.out")
    wait_for 20 bash -c "[ \$(stat -c %s '$dir/log') -ne $size1 ] && [ \$(stat -c %s '$WORK/good.out') -gt $out1 ]"
    kill -0 $pg
    timeout 20 "$HIVE" attach --no-stdin h | head -c 100000 > "$WORK/new.out" || true
    [ "$(wc -c < "$WORK/new.out")" -eq 100000 ]
    run_hive 0 ps --format '{{.Names}} {{.State}}'
    [ "$output" = "h running" ]
    run_hive 0 rm -f h
    st=0; wait $pg || st=$?
    [ "$st" -eq 137 ]
}
