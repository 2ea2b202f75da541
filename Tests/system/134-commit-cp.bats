#!/usr/bin/env bats
# commit, export and cp against a container that fights back (issue #10):
# directories swapped for symlinks mid-walk, planted fifos and device nodes,
# setuid files, a pid that may be recycled.
load helpers

teardown() {
    [ -n "${LOOPDEV:-}" ] && losetup -d "$LOOPDEV" 2>/dev/null
    teardown_containers
}

# The container's freezer.state file (v1), or its cgroup.freeze (v2).
freezer_file() {
    local id dir
    id=$(hive ps -aq --no-trunc --filter name="$1")
    while read -r dir; do
        [ -f "$dir/freezer.state" ] && { echo "$dir/freezer.state"; return; }
        [ -f "$dir/cgroup.freeze" ] && { echo "$dir/cgroup.freeze"; return; }
    done < "$HIVE_ROOT/containers/$id/cgroups"
    return 1
}

# A container whose /d is exchanged, as fast as renameat2 goes, with /l, a
# symlink to a host directory (absolute: it means something on the host only)
# holding files of the same names and sizes as /d's, with a canary.
start_swapper() {
    mkdir -p "$WORK/canary" "$WORK/bin"
    cc -static -O2 -o "$WORK/bin/swapper" "$REPO/Tests/fixtures/swapper.c" || skip "no static libc to build the swapper"
    SECRET=CANARY$(printf %06d $((RANDOM % 1000000)))
    for n in $(seq 200); do echo "$SECRET" > "$WORK/canary/f$n"; done
    echo "$SECRET" > "$WORK/canary/only-on-the-host"
    hive run -d --name swapper -v "$WORK/bin:/bin2:ro" busybox sh -c "mkdir /d; for n in \$(seq 200); do echo inside-xxxxxx > /d/f\$n; done
        ln -s $WORK/canary /l; exec /bin2/swapper /d /l" >/dev/null
    for _ in $(seq 50); do hive exec swapper test -L /l -o -L /d && break; sleep 0.1; done
}

@test "commit --pause=false and export of a container swapping a directory for a host symlink never read the host" {
    import_run_base
    start_swapper
    failed=0
    for i in $(seq 30); do
        if "$HIVE" export -o "$WORK/e.tar" swapper; then
            [ "$(grep -c "$SECRET" "$WORK/e.tar")" = 0 ]
            [ "$(tar -tf "$WORK/e.tar" | grep -c only-on-the-host)" = 0 ]
        else
            failed=$((failed + 1))
        fi
        rm -f "$WORK/e.tar"
    done
    for i in $(seq 10); do
        "$HIVE" commit --pause=false swapper "snap:$i" >/dev/null || failed=$((failed + 1))
    done
    # nothing of the host in any layer or blob the commits made
    [ -z "$(grep -rls "$SECRET" "$HIVE_ROOT/layers" "$HIVE_ROOT/blobs")" ]
    [ -z "$(find "$HIVE_ROOT/layers" -name only-on-the-host)" ]
    # and the walk is not thrown off by the swaps: every commit and export worked
    [ "$failed" -eq 0 ]
    # what was committed is the container's: a directory, or the symlink as a symlink
    run_hive 0 run --rm snap:10 sh -c 'cat /d/* /l/* 2>/dev/null; true'
    [[ "$output" != *"$SECRET"* ]]
}

@test "commit pauses the container while its layer is read (default), --pause=false does not; it runs after" {
    import_run_base
    hive run -d --name p busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=300 2>/dev/null; touch /ready; while :; do echo >> /count; done' >/dev/null
    for _ in $(seq 100); do hive exec p test -f /ready && break; sleep 0.2; done
    fz=$(freezer_file p)
    for pause in true false; do
        : > "$WORK/states"
        # the long and the short form (-p=false, as docker spells it)
        flag=--pause=true; [ $pause = true ] || flag=-p=false
        "$HIVE" commit $flag p "img:$pause" >/dev/null &
        cpid=$!
        while kill -0 $cpid 2>/dev/null; do cat "$fz" >> "$WORK/states"; done
        wait $cpid
        if [ $pause = true ]; then
            grep -qE '^(FROZEN|1)$' "$WORK/states"
        else
            [ "$(grep -cE '^(FROZEN|FREEZING|1)$' "$WORK/states")" = 0 ]
        fi
        # running again: not frozen, the counter advances
        grep -qE '^(THAWED|0)$' "$fz"
        [ "$(hive inspect -f '{{.State.Status}}' p)" = running ]
        a=$(hive exec p sh -c 'wc -l < /count'); sleep 0.2; b=$(hive exec p sh -c 'wc -l < /count')
        [ "$b" -gt "$a" ]
    done
    # a paused container stays paused
    hive pause p
    run_hive 0 commit p img:paused
    grep -qE '^(FROZEN|1)$' "$fz"
    hive unpause p
}

@test "commit thaws the container when it fails or is interrupted while paused" {
    import_run_base
    # a tree deeper than the open-file limit the commit gets makes it fail mid-walk
    hive run -d --name p busybox sh -c 'mkdir -p /deep/$(seq -s/ 60 | tr -d 0-9 | sed "s:/:a/:g")a; dd if=/dev/zero of=/big bs=1M count=300 2>/dev/null; touch /ready; sleep 600' >/dev/null
    for _ in $(seq 100); do hive exec p test -f /ready && break; sleep 0.2; done
    fz=$(freezer_file p)
    run bash -c "ulimit -n 40; '$HIVE' commit p img:fail"
    [ "$status" -ne 0 ]
    grep -qE '^(THAWED|0)$' "$fz"
    # SIGTERM while frozen: hive ends, the container is thawed first
    hive exec p rm -rf /deep
    "$HIVE" commit p img:term >/dev/null &
    cpid=$!
    for _ in $(seq 2000); do grep -qE '^(FROZEN|1)$' "$fz" && break; done
    grep -qE '^(FROZEN|1)$' "$fz"
    kill -TERM $cpid
    st=0
    wait $cpid || st=$?
    [ "$st" -eq 143 ]
    grep -qE '^(THAWED|0)$' "$fz"
    [ "$(hive inspect -f '{{.State.Status}}' p)" = running ]
}

@test "cp out of a container: a fifo is copied as a fifo, a device as a node, neither opened; sockets are refused" {
    import_run_base
    hive run -d --name c busybox sh -c 'mkfifo /p; mknod /nul c 1 3; chmod 666 /nul; mkdir /dir; mkfifo /dir/p; mknod /dir/nul c 1 3; echo x > /dir/f; sleep 600' >/dev/null
    sleep 0.3
    run timeout 10 "$HIVE" cp c:/p "$WORK/p"
    [ "$status" -eq 0 ]
    [ -p "$WORK/p" ]
    run timeout 10 "$HIVE" cp c:/nul "$WORK/nul"
    [ "$status" -eq 0 ]
    [ -c "$WORK/nul" ]
    [ "$(stat -c '%t,%T %a' "$WORK/nul")" = "1,3 600" ]
    run timeout 10 "$HIVE" cp -a c:/nul "$WORK/nul-a"
    [ "$(stat -c '%t,%T %a' "$WORK/nul-a")" = "1,3 666" ]
    run timeout 10 "$HIVE" cp c:/dir "$WORK/dir"
    [ "$status" -eq 0 ]
    [ -p "$WORK/dir/p" ]
    [ -c "$WORK/dir/nul" ]
    [ "$(cat "$WORK/dir/f")" = x ]
    # the same, stopped (a private mount of its layers, not its namespace)
    hive stop -t 0 c >/dev/null
    id=$(hive ps -aq --no-trunc --filter name=c)
    (cd "$HIVE_ROOT/containers/$id/upper" && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")')
    run timeout 10 "$HIVE" cp c:/p "$WORK/p2"
    [ "$status" -eq 0 ]
    [ -p "$WORK/p2" ]
    run timeout 10 "$HIVE" cp c:/sock "$WORK/"
    [ "$status" -eq 125 ]
    [[ "$output" == *"/sock: it is a socket"* ]]
}

@test "cp never opens a fifo or device as destination: on the host or planted in the container" {
    import_run_base
    # a host loop device with a canary: the container plants a node for it
    truncate -s 1M "$WORK/disk.img"
    printf LOOP-CANARY | dd of="$WORK/disk.img" conv=notrunc 2>/dev/null
    LOOPDEV=$(losetup -f --show "$WORK/disk.img")
    maj=$((16#$(stat -c %t "$LOOPDEV"))); min=$((16#$(stat -c %T "$LOOPDEV")))
    echo PAYLOAD-WRITTEN > "$WORK/payload"
    hive run -d --name c busybox sh -c "mkfifo /fifo; mknod /blk b $maj $min; echo old > /replaced; sleep 600" >/dev/null
    sleep 0.3
    run timeout 10 "$HIVE" cp "$WORK/payload" c:/blk
    [ "$(head -c 11 "$LOOPDEV")" = LOOP-CANARY ]
    [ "$status" -eq 125 ]
    [[ "$output" == *"it is a block device"* ]]
    run timeout 10 "$HIVE" cp "$WORK/payload" c:/fifo
    [ "$status" -eq 125 ]
    [[ "$output" == *"it is a fifo"* ]]
    # a fifo as the host destination: refused, no hang
    mkfifo "$WORK/hostfifo"
    run timeout 10 "$HIVE" cp c:/etc/hostname "$WORK/hostfifo"
    [ "$status" -eq 125 ]
    [[ "$output" == *"hostfifo: it is a fifo"* ]]
    [ -p "$WORK/hostfifo" ]
    # a host fifo as the source is copied as a fifo (not read)
    run timeout 10 "$HIVE" cp "$WORK/hostfifo" c:/from-host
    [ "$status" -eq 0 ]
    [ "$(hive exec c stat -c %F /from-host)" = fifo ]
    # an existing regular file is replaced, as docker cp does
    run_hive 0 cp "$WORK/payload" c:/replaced
    [ "$(hive exec c cat /replaced)" = PAYLOAD-WRITTEN ]
}

@test "cp out of a container strips setuid/setgid and ownership unless -a; into a container -a keeps the owner" {
    import_run_base
    hive run -d --name c busybox sh -c 'cp /bin/busybox /suid; chown 1000:1000 /suid; chmod 6755 /suid; mkdir /d; cp -p /suid /d/suid; sleep 600' >/dev/null
    sleep 0.5
    run_hive 0 cp c:/suid "$WORK/plain"
    [ "$(stat -c '%a %u:%g' "$WORK/plain")" = "755 0:0" ]
    run_hive 0 cp c:/d "$WORK/d"
    [ "$(stat -c '%a %u:%g' "$WORK/d/suid")" = "755 0:0" ]
    run_hive 0 cp -a c:/suid "$WORK/kept"
    [ "$(stat -c '%a %u:%g' "$WORK/kept")" = "6755 1000:1000" ]
    run_hive 0 cp -a c:/d "$WORK/d-a"
    [ "$(stat -c '%a %u:%g' "$WORK/d-a/suid")" = "6755 1000:1000" ]
    echo hi > "$WORK/mine" && chown 1234:5678 "$WORK/mine"
    run_hive 0 cp "$WORK/mine" c:/root-owned
    run_hive 0 cp -a "$WORK/mine" c:/kept-owner
    [ "$(hive exec c stat -c %u:%g /root-owned /kept-owner | tr '\n' ' ')" = "0:0 1234:5678 " ]
    # a symlink is copied as a symlink; -L copies what it points to (inside the container)
    hive exec c ln -s /etc/hostname /link
    run_hive 0 cp c:/link "$WORK/link"
    [ -L "$WORK/link" ]
    [ "$(readlink "$WORK/link")" = /etc/hostname ]
    run_hive 0 cp -L c:/link "$WORK/linked"
    [ "$(cat "$WORK/linked")" = "$(hive exec c cat /etc/hostname)" ]
}
