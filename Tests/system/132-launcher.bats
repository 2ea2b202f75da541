#!/usr/bin/env bats
# The launcher's protections (CHiveLaunch: launch.c, become.c, exec.c), each
# tried from inside a container the way an attacker would (issue #10,
# security-cases.md). Every test here was seen failing with its protection
# switched off.
load helpers

# Static probes from Tests/fixtures, built once per file into $PROBES (mounted
# read-only at /probe in the containers that use them).
setup_file() {
    export PROBES=$BATS_FILE_TMPDIR/probe
    mkdir -p "$PROBES"
    cc -static -O2 -o "$PROBES/launcher-probe" "$BATS_TEST_DIRNAME/../fixtures/launcher-probe.c"
    # a shell script that reports its session and terminal, and whether /dev/tty opens
    cat > "$PROBES/sess.sh" <<'EOF'
#!/bin/sh
echo "stat: $(cut -d' ' -f6,7 /proc/self/stat)"
if sh -c ': </dev/tty' 2>/dev/null; then echo TTY-OPEN; else echo NO-TTY; fi
EOF
    # what an exec'd process sees of its cgroups and limits
    cat > "$PROBES/joined.sh" <<'EOF'
#!/bin/sh
if [ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ]; then echo "cgroups: the init's"; else echo "cgroups: differ"; cat /proc/self/cgroup /proc/1/cgroup; fi
echo "limits: $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Su) $(ulimit -Hu)"
EOF
    chmod +x "$PROBES/sess.sh" "$PROBES/joined.sh"
}

teardown() {
    [ -n "${SUBMOUNT:-}" ] && { umount "$SUBMOUNT" 2>/dev/null || umount -l "$SUBMOUNT" 2>/dev/null || true; }
    [ -n "${ESCAPED_CGROUP:-}" ] && rmdir "$ESCAPED_CGROUP" 2>/dev/null || true
    [ -n "${HOST_SLEEP:-}" ] && kill "$HOST_SLEEP" 2>/dev/null || true
    teardown_containers
}

# in_terminal COMMAND: runs COMMAND (a bash command line) under `script`, so
# the CLI has a terminal of its own as its controlling terminal, as in a
# user's shell.
in_terminal() {
    SHELL=/bin/bash script -qec "$1" /dev/null </dev/null
}

# The "stat: SID TTY_NR" line of sess.sh: the session must be the process's
# own (non-zero inside the container's pid namespace) and the terminal none.
assert_own_session() {
    [[ "$1" =~ stat:\ ([0-9]+)\ ([0-9]+) ]] || { echo "no stat line in: $1" >&2; return 1; }
    local sid=${BASH_REMATCH[1]} tty=${BASH_REMATCH[2]}
    [ "$tty" = 0 ] || { echo "tty_nr $tty: the CLI's terminal is the process's controlling terminal" >&2; return 1; }
    [ "$sid" != 0 ] || { echo "session 0: the session leader is outside the container (the CLI's session)" >&2; return 1; }
    [[ "$1" == *NO-TTY* ]] || { echo "/dev/tty opened" >&2; return 1; }
}

@test "the embedded exec stub (CHiveLaunch/exec_stub.h) is what its source builds" {
    run "$REPO/Sources/hive-exec-stub/mkheader.sh"
    [ "$status" -eq 0 ]
    diff <(printf '%s\n' "$output") "$REPO/Sources/CHiveLaunch/exec_stub.h" || {
        echo "exec_stub.h is stale: run make stub" >&2; return 1; }
}

@test "CVE-2019-5736: the command's /proc/self/exe is the sealed exec stub, for run, run -d, exec and build RUN" {
    import_run_base
    printf '#!/proc/self/exe\n' > "$WORK/evil" && chmod +x "$WORK/evil"
    run_hive 126 run --rm -v "$WORK:/w:ro" busybox /w/evil
    [[ "$output" == *"hive's exec stub, it runs nothing by itself"* ]]
    hive run -d --name evil-d -v "$WORK:/w:ro" busybox /w/evil >/dev/null
    run_hive 0 wait evil-d
    [ "$output" = 126 ]
    run_hive 0 logs evil-d
    [[ "$output" == *"hive's exec stub"* ]]
    hive run -d --name target busybox sleep 60 >/dev/null
    run_hive 0 exec target sh -c 'printf "#!/proc/self/exe\n" > /evil; chmod +x /evil'
    run_hive 126 exec target /evil
    [[ "$output" == *"hive's exec stub"* ]]
    mkdir -p "$WORK/ctx" && cp "$WORK/evil" "$WORK/ctx/"
    printf 'FROM busybox\nCOPY evil /evil\nRUN ["/evil"]\n' > "$WORK/ctx/Dockerfile"
    run hive build --no-cache -t evil-build "$WORK/ctx"
    [ "$status" -ne 0 ]
    [[ "$output" == *"hive's exec stub"* ]]
}

@test "no container process has the CLI's terminal: run, exec and build RUN each start a session of their own" {
    import_run_base
    # the harness works: under script the CLI does have a controlling terminal
    run in_terminal 'cut -d" " -f7 /proc/self/stat'
    [ "${output//[$'\r\n']/}" != 0 ]
    run in_terminal "$HIVE run --rm -v $PROBES:/probe:ro busybox /probe/sess.sh"
    echo "run: $output"
    assert_own_session "$output"
    hive run -d --name sess -v "$PROBES:/probe:ro" busybox sleep 60 >/dev/null
    run in_terminal "$HIVE exec sess /probe/sess.sh"
    echo "exec: $output"
    assert_own_session "$output"
    mkdir -p "$WORK/ctx" && cp "$PROBES/sess.sh" "$WORK/ctx/"
    printf 'FROM busybox\nCOPY sess.sh /sess.sh\nRUN /sess.sh\n' > "$WORK/ctx/Dockerfile"
    run in_terminal "$HIVE build --no-cache -t sess-build $WORK/ctx"
    echo "build: $output"
    assert_own_session "$output"
}

@test "TIOCSTI from a container (run or exec) cannot type into the CLI's terminal" {
    import_run_base
    marker=hive-tiocsti-$RANDOM
    # what lands in the terminal's input is echoed and read by the shell that ran hive
    run in_terminal "$HIVE run --rm -v $PROBES:/probe:ro busybox /probe/launcher-probe tiocsti 'echo $marker
'; for i in 1 2; do read -t 1 line; echo \"after: [\$line]\"; done"
    echo "$output"
    [[ "$output" == *"tiocsti fd1:"* ]]
    [[ "$output" != *INJECTED* ]]
    [[ "$output" != *"$marker"* ]]
    hive run -d --name sti -v "$PROBES:/probe:ro" busybox sleep 60 >/dev/null
    run in_terminal "$HIVE exec sti /probe/launcher-probe tiocsti 'echo $marker
'; for i in 1 2; do read -t 1 line; echo \"after: [\$line]\"; done"
    echo "$output"
    [[ "$output" == *"tiocsti fd1:"* ]]
    [[ "$output" != *INJECTED* ]]
    [[ "$output" != *"$marker"* ]]
}

@test "exec pins the container by pidfd: a recorded pid that is not the container's process is refused" {
    import_run_base
    hive run -d --name victim busybox sleep 60 >/dev/null
    id=$(hive ps -aq --no-trunc --filter name=victim)
    # a host process recorded as the container's init: what a recycled pid looks like
    sleep 60 &
    HOST_SLEEP=$!
    start=$(cut -d' ' -f22 /proc/$HOST_SLEEP/stat)
    saved=$(python3 -c 'import sqlite3,sys; print("|".join(map(str, sqlite3.connect(sys.argv[1]).execute("select pid, pid_start from containers where id=?", (sys.argv[2],)).fetchone())))' "$HIVE_ROOT/hive.db" "$id")
    setpid() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("update containers set pid=?, pid_start=? where id=?", (int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])); c.commit()' "$HIVE_ROOT/hive.db" "$1" "$2" "$id"; }
    setpid "$HOST_SLEEP" "$start"
    run hive exec victim sh -c 'hostname; readlink /proc/1/ns/mnt'
    setpid "${saved%|*}" "${saved#*|}"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"is not in the container's cgroup"* ]]
    [[ "$output" != *"$(hostname)"* ]]
    [[ "$output" != *"$(readlink /proc/$HOST_SLEEP/ns/mnt)"* ]]
    # the real record still works
    run_hive 0 exec victim true
}

@test "exec fails clearly when it cannot join every cgroup of the container" {
    import_run_base
    hive run -d --name cg --memory 64m busybox sleep 60 >/dev/null
    id=$(hive ps -aq --no-trunc --filter name=cg)
    run_hive 0 exec cg true
    # the container's last cgroup goes away (its processes moved to the parent group)
    group=$(tail -n 1 "$HIVE_ROOT/containers/$id/cgroups")
    [ -d "$group" ]
    for p in $(cat "$group/cgroup.procs"); do echo "$p" > "$(dirname "$group")/cgroup.procs"; done
    rmdir "$group"
    run hive exec cg sh -c 'cat /proc/self/cgroup; echo RAN'
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"cannot join the container's cgroup $group/cgroup.procs: No such file or directory"* ]]
    [[ "$output" != *RAN* ]]
}

@test "exec joins the container's cgroups and gets its rlimits, not the CLI's" {
    import_run_base
    hive run -d --name lim -v "$PROBES:/probe:ro" --pids-limit 77 --memory 64m --ulimit nofile=100:200 --ulimit nproc=50:60 busybox sleep 60 >/dev/null
    # the CLI's own limits differ from the container's: an exec that inherited them would show 333 and 45
    run bash -c 'ulimit -Sn 333; ulimit -Su 45; exec "$0" exec lim /probe/joined.sh' "$HIVE"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"cgroups: the init's"* ]]
    [[ "$output" == *"limits: 100 200 50 60"* ]]
}

@test "a container's nofile limit is hive's default (1024, hard at most 524288), not the CLI's" {
    import_run_base
    run bash -c 'ulimit -Sn 777; ulimit -Hn 9000; exec "$0" run --rm busybox sh -c "ulimit -Sn; ulimit -Hn"' "$HIVE"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '1024\n9000')" ]
    hive run -d --name nf busybox sleep 60 >/dev/null
    run bash -c 'ulimit -Sn 777; exec "$0" exec nf sh -c "ulimit -Sn"' "$HIVE"
    [ "$output" = 1024 ]
}

@test "CVE-2024-21626: a working directory reached through an inherited fd (/proc/self/fd/7) is refused" {
    import_run_base
    mkdir -p "$WORK/hostdir" && touch "$WORK/hostdir/HOST-MARKER"
    exec 7<"$WORK/hostdir"
    run hive run --rm -w /proc/self/fd/7 busybox ls -a
    exec 7<&-
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" == *"working directory is outside the container: /proc/self/fd/7"* ]]
    [[ "$output" != *HOST-MARKER* ]]
    hive run -d --name wd busybox sleep 60 >/dev/null
    exec 7<"$WORK/hostdir"
    run hive exec -w /proc/self/fd/7 wd ls -a
    exec 7<&-
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" != *HOST-MARKER* ]]
}

@test "CVE-2024-21626: only fds 0, 1 and 2 are open in a new container, a detached one and an exec'd process" {
    import_run_base
    # descriptors the CLI inherits must not reach the container
    exec 7</ 8>"$WORK/leak" 9<"$REPO/Makefile"
    run hive run --rm -v "$PROBES:/probe:ro" busybox /probe/launcher-probe fds
    echo "$output"
    [ "$status" -eq 0 ]
    grep -qx 'fds: 0 1 2' <<<"$output"
    hive run -d --name fdd -v "$PROBES:/probe:ro" busybox sh -c '/probe/launcher-probe fds; sleep 60' >/dev/null
    run hive exec fdd /probe/launcher-probe fds
    exec 7<&- 8>&- 9<&-
    echo "$output"
    [ "$status" -eq 0 ]
    grep -qx 'fds: 0 1 2' <<<"$output"
    run_hive 0 logs fdd
    grep -qx 'fds: 0 1 2' <<<"$output"
}

@test "CVE-2025-31133: the masks are never bind-mounted from a /dev/null that is not the null device" {
    import_run_base
    # hive's /dev is a fresh tmpfs, so the image cannot plant /dev/null; a bind over it can
    echo FAKE-NULL > "$WORK/fakenull"
    run hive run --rm -v "$WORK/fakenull:/dev/null" busybox sh -c 'cat /proc/keys /proc/timer_list; echo written > /proc/keys'
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" == *"verify /dev/null"* ]]
    [[ "$output" != *FAKE-NULL* ]]
    [ "$(cat "$WORK/fakenull")" = FAKE-NULL ]
    # the real null device is fine
    run_hive 0 run --rm -v /dev/null:/dev/null busybox sh -c 'wc -c < /proc/keys'
    [ "$output" = 0 ]
}

@test "a launch that fails early reports its step: hive never dies of SIGPIPE writing to a child that is gone" {
    import_run_base
    # the child fails before it reads hive's go-ahead (found flaky: 3 in 40 runs died with status 141)
    echo FAKE-NULL > "$WORK/fakenull"
    for i in $(seq 40); do
        run hive run --rm -v "$WORK/fakenull:/dev/null" busybox true
        [ "$status" -eq 125 ] && [[ "$output" == *"verify /dev/null"* ]] || { echo "run $i: status $status: $output" >&2; return 1; }
    done
    [ -z "$(hive ps -aq --filter status=created)" ]
}

@test "seccomp filters the 32-bit entry: an i386 probe's keyctl, unshare, mount, io_uring_setup get EPERM" {
    import_run_base
    mkdir -p "$WORK/probe32"
    gcc -m32 -static -O2 -o "$WORK/probe32/i386-probe" "$REPO/Tests/fixtures/i386-probe.c" || {
        echo "cannot build the i386 probe: gcc-multilib and libc6-dev-i386 are needed (make test-deps)" >&2; return 1; }
    run_hive 0 run --rm -v "$WORK/probe32:/probe:ro" busybox /probe/i386-probe
    echo "$output"
    [[ "$output" == *"bits=32"* ]]
    [[ "$output" == *"getpid=OK"* ]]
    [[ "$output" == *"keyctl=EPERM"* ]]
    [[ "$output" == *"unshare_user=EPERM"* ]]
    [[ "$output" == *"unshare_ns=EPERM"* ]]
    [[ "$output" == *"mount=EPERM"* ]]
    [[ "$output" == *"io_uring_setup=EPERM"* ]]
    # unconfined, the same calls reach the kernel (the probe measures seccomp, not something else)
    run_hive 0 run --rm --security-opt seccomp=unconfined -v "$WORK/probe32:/probe:ro" busybox /probe/i386-probe
    [[ "$output" == *"io_uring_setup=EFAULT"* ]]
}

@test ":ro is recursive: a mount below the source of a read-only bind is read-only in the container" {
    import_run_base
    mkdir -p "$WORK/vol/sub"
    echo top > "$WORK/vol/top"
    SUBMOUNT=$WORK/vol/sub
    mount -t tmpfs -o size=1m hive-test "$SUBMOUNT"
    echo below > "$SUBMOUNT/f"
    run hive run --rm -v "$WORK/vol:/v:ro" busybox sh -c 'echo x > /v/top; echo x > /v/sub/f; touch /v/sub/new; mkdir /v/sub/d; cat /v/top /v/sub/f'
    echo "$output"
    [ "$(cat "$WORK/vol/top")" = top ]
    [ "$(cat "$SUBMOUNT/f")" = below ]
    [ ! -e "$SUBMOUNT/new" ]
    [ ! -e "$SUBMOUNT/d" ]
    [ "$(grep -c 'Read-only file system' <<<"$output")" -eq 4 ]
    # a read-write bind keeps its submount writable
    run_hive 0 run --rm -v "$WORK/vol:/v" busybox sh -c 'echo rw > /v/sub/f'
    [ "$(cat "$SUBMOUNT/f")" = rw ]
    umount "$SUBMOUNT" && SUBMOUNT=
}

@test "/sys is read-only all the way down: the container's own, and the host's bound with -v /sys:X:ro" {
    import_run_base
    ESCAPED_CGROUP=/sys/fs/cgroup/pids/hive-escape-$$
    [ -d /sys/fs/cgroup/pids ] || ESCAPED_CGROUP=/sys/fs/cgroup/unified/hive-escape-$$
    # the host's /sys has writable submounts (cgroup hierarchies at least): the bind must not keep them
    [ "$(awk '$5 ~ "^/sys/" && $6 ~ "^rw" ' /proc/self/mountinfo | wc -l)" -gt 0 ]
    run hive run --rm -v /sys:/hostsys:ro busybox sh -c "
        awk '\$5 ~ \"^/hostsys(/|\$)\" { split(\$6, o, \",\"); print \$5, o[1] }' /proc/self/mountinfo
        mkdir /hostsys${ESCAPED_CGROUP#/sys} && echo ESCAPED"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"/hostsys/fs/cgroup"*" ro"* ]]
    [[ "$output" != *" rw"* ]]
    [[ "$output" != *ESCAPED* ]]
    [ ! -d "$ESCAPED_CGROUP" ]
    # the container's own /sys (a fresh sysfs, also with --network host) is read-only
    for net in host none; do
        run hive run --rm --network $net busybox sh -c "
            awk '\$5 ~ \"^/sys(/|\$)\" { split(\$6, o, \",\"); print \$5, o[1] }' /proc/self/mountinfo
            mkdir ${ESCAPED_CGROUP} && echo ESCAPED"
        echo "$net: $output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"/sys ro"* ]]
        [[ "$output" != *" rw"* ]]
        [[ "$output" != *ESCAPED* ]]
        [ ! -d "$ESCAPED_CGROUP" ]
    done
}
