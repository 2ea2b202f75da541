#!/usr/bin/env bats
# exec's and logs' everyday flags (issue #15): exec --privileged,
# --detach-keys, --env-file, -e, -w, -u, -d; logs --details, -t, --since,
# --until, -n as Docker prints them.
load helpers

teardown() { teardown_containers; }

capeff() { hive exec "$@" sh -c 'grep ^CapEff /proc/self/status' | awk '{print $2}'; }

@test "exec --privileged: every capability (hive holds) for that process only; the seccomp filter stays (as Docker)" {
    import_run_base
    hive run -d --name up --network none busybox sleep 300 >/dev/null
    # every capability there is, but for those this host withholds even from root (hive's own set)
    full=$(awk '/^CapPrm:/ {print $2}' /proc/self/status)
    [ "$(capeff --privileged up)" = "$full" ]
    [ "$(capeff up)" != "$full" ]
    # the container's filter still applies to the privileged process
    [ "$(hive exec --privileged up awk '/^Seccomp:/ {print $2}' /proc/self/status)" = 2 ]
    # it can do what the default set cannot (a negative nice value needs CAP_SYS_NICE)
    run_hive 1 exec up sh -c 'renice -n -5 -p $$'
    run_hive 0 exec --privileged up sh -c 'renice -n -5 -p $$ && cat /proc/$$/stat'
    [ "$(echo "$output" | awk '{print $19}')" = -5 ]
    # but not what the container's filter decided at its creation (sethostname goes with CAP_SYS_ADMIN there)
    run "$HIVE" exec --privileged up hostname not-allowed
    [ "$status" -ne 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
}

@test "exec -e, --env-file, -w, -u, -d" {
    import_run_base
    hive run -d --name up --network none -e FROM_RUN=r busybox sleep 300 >/dev/null
    printf 'A=from-file\n# comment\nB=b b\n' > "$WORK/env"
    run_hive 0 exec --env-file "$WORK/env" -e A=from-flag up sh -c 'echo "$A|$B|$FROM_RUN"'
    [ "$output" = "from-flag|b b|r" ]
    [ "$(hive exec -w /tmp up pwd)" = /tmp ]
    run_hive 125 exec -w tmp up pwd
    [[ "$output" == *"must be absolute"* ]]
    [ "$(hive exec -u 1234:5678 up id -u):$(hive exec -u 1234:5678 up id -g)" = "1234:5678" ]
    run_hive 125 exec --env-file "$WORK/nope" up true
    [[ "$output" == *"$WORK/nope"* ]]
    run_hive 0 exec -d up sh -c 'sleep 0.2; echo done > /tmp/detached'
    [ -z "$output" ]
    until_true 5 hive exec up test -f /tmp/detached
}

# drive_tty KEYS: runs `hive exec -it up sh` on a pty, types a command, then KEYS; prints hive's status.
drive_tty() {
    python3 - "$HIVE" "$@" <<'EOF'
import os, pty, sys, time, select
hive, keys, extra = sys.argv[1], sys.argv[2].encode().decode("unicode_escape").encode("latin1"), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(hive, [hive, "exec", "-it"] + extra + ["up", "sh"])
def drain(t):
    end = time.time() + t
    out = b""
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: out += os.read(fd, 4096)
            except OSError: break
    return out
drain(1.0)
os.write(fd, b"touch /tmp/typed-$$; echo ready\r")
drain(1.0)
os.write(fd, keys)
end = time.time() + 5
while time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        print(os.waitstatus_to_exitcode(st)); sys.exit(0)
    drain(0.1)
print("still-running")
os.kill(pid, 9)
EOF
}

@test "exec -it: the detach keys (default ctrl-p,ctrl-q, or --detach-keys) leave the process running" {
    import_run_base
    hive run -d --name up --network none busybox sleep 300 >/dev/null
    run drive_tty '\x10\x11'
    [ "$output" = 0 ]
    # the shell runs on in the container
    until_true 5 sh -c "'$HIVE' exec up ps -o args | grep -qx sh"
    run drive_tty '\x18' --detach-keys ctrl-x
    [ "$output" = 0 ]
    [ "$(hive exec up ps -o args | grep -cx sh)" -ge 2 ]
    # keys that only start the sequence are passed on ("a" then not "b"); exit ends the shell with its status
    run drive_tty 'touch /tmp/xa\rexit 3\r' --detach-keys a,b
    [ "$output" = 3 ]
    hive exec up test -f /tmp/xa
    run_hive 125 exec -it --detach-keys ctrl-shift-x up sh
    [[ "$output" == *'invalid detach keys "ctrl-shift-x"'* ]]
}

@test "logs --details (the space even without attrs, values escaped), -t with nine digits, --since, --until, -n" {
    import_run_base
    hive run --name l --network none --label 'team=a b/c' --log-opt labels=team busybox sh -c 'echo one; echo two; echo three' >/dev/null
    run_hive 0 logs --details l
    [ "$output" = "$(printf 'team=a+b%%2Fc one\nteam=a+b%%2Fc two\nteam=a+b%%2Fc three')" ]
    hive run --name plain --network none busybox echo bare >/dev/null
    [ "$(hive logs --details plain)" = " bare" ]
    run_hive 0 logs -t plain
    [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z\ bare$ ]]
    run_hive 0 logs -t --details plain
    [[ "$output" =~ Z\ \ bare$ ]]
    [ "$(hive logs -n 1 l)" = three ]
    [ "$(hive logs --tail 2 l | head -1)" = two ]
    [ "$(hive logs -n 0 l)" = "" ]
    [ -z "$(hive logs --since 1h l | grep -v -e one -e two -e three)" ]
    [ "$(hive logs --since 1h l | wc -l)" = 3 ]
    [ -z "$(hive logs --until 1h l)" ]
    [ -z "$(hive logs --since 2099-01-01T00:00:00Z l)" ]
    [ "$(hive logs --until 2099-01-01T00:00:00Z l | wc -l)" = 3 ]
    t2=$(hive logs -t l | sed -n 2p | cut -d' ' -f1)
    [ "$(hive logs --since "$t2" l | head -1)" = two ]
    run_hive 125 logs --since yesterday-ish l
    run_hive 125 logs -n many l
    [[ "$output" == *"invalid --tail"* ]]
}
