#!/usr/bin/env bats
# hive run (foreground), ps, rm: the launcher, exit codes, and the escapes
# it must not allow (security-cases.md). Everything runs for real as root.
load helpers


@test "run prints the command's output and returns its status" {
    import_run_base
    run_hive 0 run --rm busybox echo hello
    [ "$output" = "hello" ]
    run_hive 3 run --rm busybox sh -c 'exit 3'
    run_hive 0 run --rm busybox
    [ -z "$(hive ps -aq)" ]
}

@test "exit codes: 125 hive error, 126 cannot invoke, 127 not found" {
    import_run_base
    run_hive 125 run --rm nothere:1 true
    [[ "$output" == *'image "nothere:1" not found locally'* ]]
    run_hive 127 run --rm busybox no-such-command
    [[ "$output" == *"no-such-command: executable file not found in \$PATH"* ]]
    run_hive 127 run --rm busybox /no/such/file
    [[ "$output" == *"/no/such/file: no such file or directory"* ]]
    run_hive 126 run --rm busybox /etc/passwd
    [[ "$output" == *"/etc/passwd: permission denied"* ]]
    run_hive 125 run --rm -w relative busybox true
    [[ "$output" == *"must be absolute"* ]]
    [ -z "$(hive ps -aq)" ]
}

@test "PID 1 is the command; hostname, /etc files and env are set" {
    import_run_base
    run_hive 0 run --rm --hostname box1 -e A=1 -e 'B=two words' busybox sh -c 'echo $$; hostname; cat /etc/hostname; grep box1 /etc/hosts | wc -l; echo "$A|$B|$HOME"'
    [ "${lines[0]}" = "1" ]
    [ "${lines[1]}" = "box1" ]
    [ "${lines[2]}" = "box1" ]
    [ "${lines[3]}" = "1" ]
    [ "${lines[4]}" = "1|two words|/root" ]
    run_hive 0 run --rm --entrypoint /bin/echo busybox from entrypoint
    [ "$output" = "from entrypoint" ]
    run_hive 0 run --rm -w /tmp busybox pwd
    [ "$output" = "/tmp" ]
}

@test "default capabilities are Docker's 14; inheritable and ambient are empty" {
    import_run_base
    run_hive 0 run --rm busybox grep Cap /proc/self/status
    [[ "$output" == *"CapInh:	0000000000000000"* ]]
    [[ "$output" == *"CapPrm:	00000000a80425fb"* ]]
    [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
    [[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
    [[ "$output" == *"CapAmb:	0000000000000000"* ]]
    run_hive 0 run --rm -u nobody busybox grep -E 'CapPrm|CapEff' /proc/self/status
    [[ "$output" == *"CapPrm:	0000000000000000"* ]]
    [[ "$output" == *"CapEff:	0000000000000000"* ]]
    run_hive 0 run --rm --cap-drop all --cap-add net_admin busybox grep CapEff /proc/self/status
    [[ "$output" == *"CapEff:	0000000000001000"* ]]
    run_hive 125 run --rm --cap-add bogus busybox true
    [[ "$output" == *'unknown capability "bogus"'* ]]
}

@test "the user comes from the image's /etc/passwd and /etc/group" {
    import_run_base
    run_hive 0 run --rm -u nobody busybox id
    [ "$output" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
    run_hive 0 run --rm -u 1234:33 busybox id -u
    [ "$output" = "1234" ]
    run_hive 125 run --rm -u nosuchuser busybox true
    [[ "$output" == *"unable to find user nosuchuser"* ]]
}

@test "seccomp and capabilities stop unshare and mount; fork works; no_new_privs is on" {
    import_run_base
    run_hive 0 run --rm busybox sh -c 'unshare -m true 2>&1; echo "unshare=$?"; mount -t tmpfs t /mnt 2>&1; echo "mount=$?"; (true) && echo forked; grep -E "NoNewPrivs|Seccomp:" /proc/self/status'
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"unshare=1"* ]]
    [[ "$output" == *"mount=1"* ]]
    [[ "$output" == *"forked"* ]]
    [[ "$output" == *"NoNewPrivs:	1"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
    run_hive 0 run --rm --security-opt no-new-privileges=false --security-opt seccomp=unconfined busybox grep -E "NoNewPrivs|Seccomp:" /proc/self/status
    [[ "$output" == *"NoNewPrivs:	0"* ]]
    [[ "$output" == *"Seccomp:	0"* ]]
}

@test "only fds 0-2 reach the container; /proc/self/fd/N workdirs cannot reach the host" {
    import_run_base
    run_hive 0 run --rm busybox sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
    [ "$output" = "0 1 2 3 " ]   # 3 is ls's own directory handle
    for n in 3 4 5 6 7 8 9 10 15 20; do
        run "$HIVE" run --rm -w /proc/self/fd/$n busybox ls ../../../
        [ "$status" -ne 0 ] || [[ "$output" != *"hive.db"* ]] || { echo "fd $n reached the host: $output"; return 1; }
    done
}

@test "masked and read-only /proc paths; /sys is read-only" {
    import_run_base
    run_hive 0 run --rm busybox sh -c 'wc -c < /proc/keys; cat /proc/kcore 2>/dev/null | wc -c; echo x > /proc/sysrq-trigger 2>/dev/null && echo wrote-sysrq; echo h > /proc/sys/kernel/hostname 2>/dev/null && echo wrote-sys; touch /sys/x 2>/dev/null && echo wrote-sysfs; ls /proc/acpi | wc -l; echo done'
    [ "${lines[0]}" = "0" ]
    [ "${lines[1]}" = "0" ]
    [[ "$output" != *"wrote-"* ]]
    [[ "$output" == *"done"* ]]
    run_hive 0 run --rm --privileged busybox grep CapEff /proc/self/status
    [[ "$output" != *"00000000a80425fb"* ]]
}

@test "network none has only loopback; host shares the host's; the default is the bridge" {
    import_run_base
    run_hive 0 run --rm --network none busybox ls /sys/class/net
    [ "$output" = "lo" ]
    run_hive 0 run --rm --network none busybox ping -c1 -W1 127.0.0.1
    run_hive 0 run --rm --network host busybox ls /sys/class/net
    [ "${#lines[@]}" -gt 1 ]
    # the default bridge (issue #13; tested in 400-network-bridge.bats)
    run_hive 0 run --rm busybox ls /sys/class/net
    [ "$output" = "$(printf 'eth0\nlo')" ]
    run_hive 0 run --rm --network bridge busybox ls /sys/class/net
    [ "$output" = "$(printf 'eth0\nlo')" ]
}

@test "containers have their own writable layer; the image is unchanged" {
    import_run_base
    run_hive 0 run --name one busybox sh -c 'echo one > /etc/mark; rm /bin/ls; cat /etc/mark'
    [ "$output" = "one" ]
    run_hive 0 run --rm busybox sh -c 'cat /etc/mark 2>&1; ls / >/dev/null && echo ls-present'
    [[ "$output" == *"No such file"* ]]
    [[ "$output" == *"ls-present"* ]]
    layer=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' busybox)
    [ ! -e "$layer/etc/mark" ]
    [ -L "$layer/bin/ls" ]
    run_hive 0 run --rm --read-only busybox sh -c 'touch /x 2>&1; echo $?'
    [[ "$output" == *"Read-only file system"* ]]
    hive rm one >/dev/null
}

@test "ps -a shows exited containers; rm removes them; names are unique" {
    import_run_base
    run_hive 0 run --name first busybox true
    run_hive 7 run --name second busybox sh -c 'exit 7'
    run_hive 0 ps
    [ "${#lines[@]}" -eq 1 ]
    run_hive 0 ps -a
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
    [[ "$output" == *"Exited (7)"*"second"* ]]
    [[ "$output" == *"Exited (0)"*"first"* ]]
    run_hive 125 run --name first busybox true
    [[ "$output" == *'the container name "first" is already in use'* ]]
    run_hive 1 rmi busybox
    [[ "$output" == *"container"*"is using its referenced image"* ]]
    ids=$(hive ps -aq)
    run_hive 0 rm first second
    [ "$output" = "$(printf 'first\nsecond')" ]
    [ -z "$(hive ps -aq)" ]
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
    run_hive 1 rm nothere
    [[ "$output" == *"no such container: nothere"* ]]
}

@test "a container whose CLI was killed dies with it, and rm -f cleans up" {
    import_run_base
    "$HIVE" run --name sleeper busybox sleep 60 &
    pid=$!
    for i in $(seq 50); do hive ps -q | grep -q . && break; sleep 0.1; done
    [ -n "$(hive ps -q)" ]
    kill -9 $pid
    wait $pid 2>/dev/null || true
    sleep 0.3
    run_hive 0 ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "sleeper exited" ]
    for _ in $(seq 30); do pgrep -f "sleep 60" >/dev/null || break; sleep 0.1; done
    ! pgrep -f "sleep 60" >/dev/null || false
    run_hive 0 rm -f sleeper
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
}

@test "cgroups: the pids limit stops a fork bomb, the memory limit OOM-kills, default pids.max is 2048" {
    import_run_base
    run_hive 0 run --rm --pids-limit 30 busybox sh -c 'for i in $(seq 100); do sleep 5 & done 2>&1 | grep -c "can.t fork" >/dev/null && echo limited'
    [ "$output" = "limited" ]
    run_hive 137 run --rm -m 32m busybox sh -c 'x=$(head -c 80000000 /dev/zero | tr "\0" a); echo ${#x}'
    run_hive 0 run --rm -m 64m busybox sh -c 'x=$(head -c 8000000 /dev/zero | tr "\0" a); echo ${#x}'
    [ "$output" = "8000000" ]
    id=$(hive run -d busybox sleep 30)
    pids=$(cgdir "$id" pids)
    [ "$(cat "$pids/pids.max")" = "2048" ]
    hive rm -f "$id" >/dev/null
    [ ! -d "$pids" ]
    run_hive 125 run --rm -m 1k busybox true
    [[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
}

@test "volumes: bind (ro, missing source), named (populated from the image, kept), tmpfs, anonymous" {
    import_run_base
    mkdir -p "$WORK/host" && echo from-host > "$WORK/host/f"
    run_hive 0 run --rm -v "$WORK/host:/h:ro" busybox sh -c 'cat /h/f; touch /h/x 2>&1 || true'
    [[ "$output" == *"from-host"* ]]
    [[ "$output" == *"Read-only file system"* ]]
    run_hive 0 run --rm -v "$WORK/host:/h" busybox sh -c 'echo written > /h/w'
    [ "$(cat "$WORK/host/w")" = "written" ]
    run_hive 125 run --rm -v /no/such/dir:/x busybox true
    [[ "$output" == *"bind source path does not exist: /no/such/dir"* ]]
    run_hive 0 run --rm -v data:/etc busybox sh -c 'cat /etc/passwd | head -1; echo kept > /etc/mine'
    [ "$output" = "root:x:0:0:root:/root:/bin/sh" ]
    run_hive 0 run --rm -v data:/etc busybox cat /etc/mine
    [ "$output" = "kept" ]
    run_hive 0 run --rm --tmpfs /scratch:size=1m busybox sh -c 'mount | grep " /scratch "'
    [[ "$output" == *"tmpfs on /scratch type tmpfs"*"size=1024k"* ]]
    run_hive 0 run --rm --mount type=bind,source="$WORK/host",target=/m,readonly busybox cat /m/f
    [ "$output" = "from-host" ]
    run_hive 0 volume ls -q
    [ "$output" = "data" ]
    run_hive 0 run --name anon -v /anon busybox sh -c 'echo a > /anon/a'
    [ "$(hive volume ls -q | wc -l)" -eq 2 ]
    run_hive 1 volume rm "$(hive volume ls -q | grep -v '^data$')"
    [[ "$output" == *"volume is in use"* ]]
    hive rm -v anon >/dev/null
    [ "$(hive volume ls -q)" = "data" ]
    run_hive 0 volume inspect -f '{{.Name}} {{.Driver}}' data
    [ "$output" = "data local" ]
    run_hive 0 volume rm data
    [ -z "$(hive volume ls -q)" ]
    [ -z "$(ls "$HIVE_ROOT/volumes")" ]
    for bad in '../x:/y' 'v:/a/../b' 'v:relative' 'v:/'; do
        run_hive 125 run --rm -v "$bad" busybox true
    done
}

@test "run --rm: the writable layer is volatile, its directory is deleted after the command returns, nothing is left" {
    import_run_base
    run_hive 0 run --rm busybox grep -c 'volatile' /proc/self/mountinfo
    [ "$output" -ge 1 ]
    # a container that is kept is not volatile: its layer must survive a crash
    run_hive 1 run --name kept busybox grep -c 'volatile' /proc/self/mountinfo
    [ "$output" = "0" ]
    hive rm kept >/dev/null
    for i in 1 2 3 4 5; do hive run --rm busybox sh -c 'echo x > /tmp/f' ; done
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
    for _ in $(seq 50); do [ -z "$(ls "$HIVE_ROOT/tmp")" ] && break; sleep 0.1; done
    [ -z "$(ls "$HIVE_ROOT/tmp")" ] || { ls -la "$HIVE_ROOT/tmp"; return 1; }
    [ ! -e "$HIVE_ROOT/gc-pending" ]
    [ -z "$(hive ps -aq)" ]
}

@test "the cgroup2 mount gets favordynmods once per boot (noted in the runroot); [cgroups] favordynmods = false leaves it" {
    import_run_base
    printf '[cgroups]\nfavordynmods = false\n' > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox true
    [ ! -e "$HIVE_RUNROOT/cgroup-favordynmods" ]
    : > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox true
    [ -e "$HIVE_RUNROOT/cgroup-favordynmods" ]
    # fstype and super options follow the " - " separator of each mountinfo line
    awk '{for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1), $(i + 3); break }}' /proc/self/mountinfo > "$WORK/fs"
    if grep -q '^cgroup2 ' "$WORK/fs"; then
        grep '^cgroup2 ' "$WORK/fs" | grep -q favordynmods || { cat "$WORK/fs"; return 1; }
    fi
}

@test "--gpus is refused with nothing created; --security-opt apparmor=/label= warn that they have no effect" {
    import_run_base
    run_hive 125 run --rm --gpus all busybox true
    [[ "$output" == *"--gpus all is not supported"*"--device"* ]]
    [ -z "$(hive ps -aq)" ]
    run_hive 0 run --rm --network none --security-opt apparmor=unconfined --security-opt label=disable busybox echo ran
    [[ "$output" == *"WARNING: --security-opt apparmor=unconfined has no effect"* ]]
    [[ "$output" == *"WARNING: --security-opt label=disable has no effect"* ]]
    [[ "$output" == *ran ]]
}
