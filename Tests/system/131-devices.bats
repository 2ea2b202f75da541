#!/usr/bin/env bats
# The device cgroup (issue #10, "No device cgroup"): a container keeps
# CAP_MKNOD, as with Docker, so it can make a node for any host device; the
# device policy must stop it opening one. Each test attacks a real host block
# device: a loop device over a canary image the test makes (detached in
# teardown), whose content must come out unchanged.
load helpers

teardown() {
    "$HIVE" rm -f $("$HIVE" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    if [ -f "$WORK/loops" ]; then
        while read -r l; do losetup -d "$l" 2>/dev/null || true; done < "$WORK/loops"
    fi
    teardown_containers
}

# canary NAME: a 4 MiB image starting "CANARY-NAME" on a loop device; sets LOOP, MAJ, MIN, SUM.
canary() {
    [ -e /dev/loop-control ] || skip "no loop devices on this host (/dev/loop-control is missing)"
    local img=$WORK/$1.img
    head -c 4194304 /dev/zero > "$img"
    printf 'CANARY-%s' "$1" | dd of="$img" conv=notrunc status=none
    LOOP=$(losetup --find --show "$img")
    echo "$LOOP" >> "$WORK/loops"
    MAJ=$((0x$(stat -c %t "$LOOP")))
    MIN=$((0x$(stat -c %T "$LOOP")))
    SUM=$(sha256sum < "$LOOP")
}

# The attack: make a node for the canary's device, read it, write it.
attack() {
    echo "rm -f /x; mknod /x b $MAJ $MIN && echo MKNOD-OK; head -c 13 /x; echo; echo PWNED > /x; dd if=/dev/zero of=/x bs=512 count=1 conv=notrunc; true"
}

# The attack in $output failed at every open, and the canary is as it was.
assert_denied() {
    [[ "$output" == *"MKNOD-OK"* ]] || { echo "mknod did not succeed (a default container keeps CAP_MKNOD)"; return 1; }
    [[ "$output" == *"head: /x: Operation not permitted"* ]] || { echo "the canary was read"; return 1; }
    [[ "$output" == *"can't create /x: Operation not permitted"* ]] || { echo "the canary was opened for writing"; return 1; }
    [[ "$output" == *"can't open '/x': Operation not permitted"* ]] || { echo "dd opened the canary"; return 1; }
    [[ "$output" != *"CANARY-"* ]] || { echo "the canary's content reached the container"; return 1; }
    [ "$(sha256sum < "$LOOP")" = "$SUM" ] || { echo "the canary was written"; return 1; }
}

# The lines of /proc/self/cgroup for the devices controller and cgroup2.
CGLINES="grep -E ':devices:|^0::' /proc/self/cgroup"

# The standard devices open (a refused one would say "Operation not permitted").
assert_standard_devices_work() {
    run_hive 0 run --rm busybox sh -c '
        echo x > /dev/null && echo null-ok
        [ "$(head -c 4 /dev/zero | wc -c)" = 4 ] && echo zero-ok
        [ "$(head -c 4 /dev/urandom | wc -c)" = 4 ] && echo urandom-ok
        [ "$(head -c 4 /dev/random | wc -c)" = 4 ] && echo random-ok
        (echo x > /dev/full) 2>&1
        (exec 3<>/dev/ptmx) && echo ptmx-ok
        mknod /z c 1 5 && [ "$(head -c 2 /z | wc -c)" = 2 ] && echo made-zero-ok
        (exec 3<>/dev/tty) 2>&1; true'
    for ok in null zero urandom random ptmx made-zero; do [[ "$output" == *"$ok-ok"* ]] || { echo "no $ok-ok"; return 1; }; done
    [[ "$output" == *"No space left on device"* ]]   # /dev/full opened, then refused the write
    [[ "$output" == *"No such device or address"* ]]  # /dev/tty opened by the cgroup, no controlling terminal
    [[ "$output" != *"Operation not permitted"* ]]
    run_hive 0 run --rm -t busybox sh -c 'echo x > /dev/tty && echo tty-ok; echo x > /dev/console && echo console-ok; echo x > "$(tty)" && echo pts-ok'
    for ok in tty console pts; do [[ "$output" == *"$ok-ok"* ]] || { echo "no $ok-ok"; return 1; }; done
}

# --device LOOP:/dev/xvda:r reads the canary at LOOP, cannot write it; a
# second canary at LOOP2 (MAJ2:MIN2) stays closed; rwm on LOOP2 writes it.
assert_device_flag() {
    run_hive 0 run --rm --device "$LOOP1:/dev/xvda:r" busybox sh -c "head -c 10 /dev/xvda; echo; (echo PWNED > /dev/xvda) 2>&1; mknod /y b $MAJ2 $MIN2; (head -c 10 /y) 2>&1; true"
    [[ "$output" == *"CANARY-"* ]]
    [[ "$output" == *"can't create /dev/xvda: Operation not permitted"* ]]
    [[ "$output" == *"head: /y: Operation not permitted"* ]]
    [ "$(grep -c CANARY- <<<"$output")" -eq 1 ]
    [ "$(sha256sum < "$LOOP1")" = "$SUM1" ]
    [ "$(sha256sum < "$LOOP2")" = "$SUM2" ]
    # m only: the node can be made again, not opened
    run_hive 0 run --rm --device "$LOOP1:/dev/xvda:m" busybox sh -c "mknod /w b $MAJ1 $MIN1 && echo MKNOD-OK; (head -c 10 /w) 2>&1; (head -c 10 /dev/xvda) 2>&1; true"
    [[ "$output" == *"MKNOD-OK"* && "$output" == *"head: /w: Operation not permitted"* && "$output" == *"head: /dev/xvda: Operation not permitted"* ]]
    # rwm (the default), at the host's path: writable
    run_hive 0 run --rm --device "$LOOP2" busybox sh -c "printf WRITTEN-two | dd of=$LOOP2 conv=notrunc 2>&1"
    [ "$(head -c 11 "$LOOP2")" = "WRITTEN-two" ]
}

# Makes a stopped container's groups allow every device, as those of a
# container made by a hive without the policy: the v1 group allows all, the
# cgroup2 group is made afresh (no program).
strip_device_policy() {
    for d in $(cat "$HIVE_ROOT/containers/$(hive ps -aq --no-trunc --filter name="$1")/cgroups"); do
        if [ -e "$d/devices.allow" ]; then echo a > "$d/devices.allow"; fi
        if [ -e "$d/cgroup.controllers" ]; then rmdir "$d" && mkdir "$d"; fi
    done
}

# Two canaries for assert_device_flag.
two_canaries() {
    canary one
    LOOP1=$LOOP MAJ1=$MAJ MIN1=$MIN SUM1=$SUM
    canary two
    LOOP2=$LOOP MAJ2=$MAJ MIN2=$MIN SUM2=$SUM
}

@test "run: a host block device made with mknod can be neither read nor written" {
    import_run_base
    canary run
    run_hive 0 run --rm busybox sh -c "$(attack)"
    assert_denied
}

@test "exec: a process exec'd into a running container is in the same device policy" {
    import_run_base
    canary exec
    hive run -d --name victim busybox sleep 60 >/dev/null
    run_hive 0 exec victim sh -c "$(attack)"
    assert_denied
    # its cgroups are the container's
    [ "$(hive exec victim sh -c "$CGLINES")" = "$(hive exec victim sh -c "cat /proc/1/cgroup" | grep -E ':devices:|^0::')" ]
}

@test "build: a RUN step can make the node but not open it" {
    import_run_base
    canary build
    mkdir -p "$WORK/ctx"
    cat > "$WORK/ctx/Dockerfile" <<EOF
FROM busybox
RUN mknod /x b $MAJ $MIN && ! head -c 13 /x && ! sh -c 'echo PWNED > /x' && ! dd if=/dev/zero of=/x bs=512 count=1 conv=notrunc && echo RUN-DENIED
EOF
    run_hive 0 build -t devtest "$WORK/ctx"
    [[ "$output" == *"RUN-DENIED"* ]]
    [[ "$output" == *"head: /x: Operation not permitted"* ]]
    [[ "$output" != *"CANARY-"* ]]
    [ "$(sha256sum < "$LOOP")" = "$SUM" ]
}

@test "start: a created container, and the same one started again, keep the policy" {
    import_run_base
    canary start
    hive create --name again busybox sh -c "$(attack)" >/dev/null
    run_hive 0 start -a again
    assert_denied
    run_hive 0 start -a again
    assert_denied
    # detached, through the monitor
    hive start again >/dev/null
    hive wait again >/dev/null
    run_hive 0 logs again
    assert_denied
    # a container whose groups allow every device (as one made before the policy) is not started
    strip_device_policy again
    run_hive 125 start -a again
    [[ "$output" == *"container again has no device cgroup"* ]]
    run_hive 1 start again
    [[ "$output" == *"container again has no device cgroup"* ]]
    [ "$(sha256sum < "$LOOP")" = "$SUM" ]
}

@test "an image layer shipping a 0666 block device node cannot open it" {
    canary image
    python3 - "$(base_tar)" "$WORK/blk.tar" "$MAJ" "$MIN" <<'PY'
import sys, tarfile
src, out, major, minor = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with tarfile.open(src) as s, tarfile.open(out, "w") as t:
    for m in s.getmembers():
        t.addfile(m, s.extractfile(m) if m.isreg() else None)
    i = tarfile.TarInfo("disk")
    i.type, i.devmajor, i.devminor, i.mode = tarfile.BLKTYPE, major, minor, 0o666
    t.addfile(i)
PY
    hive import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$WORK/blk.tar" evil:blk >/dev/null
    run_hive 0 run --rm evil:blk sh -c 'ls -l /disk; head -c 13 /disk; echo; echo PWNED > /disk; true'
    [[ "$output" == *"brw-rw-rw-"*"$MAJ,"*"$MIN"*"/disk"* ]]
    [[ "$output" == *"head: /disk: Operation not permitted"* ]]
    [[ "$output" == *"can't create /disk: Operation not permitted"* ]]
    [[ "$output" != *"CANARY-"* ]]
    [ "$(sha256sum < "$LOOP")" = "$SUM" ]
}

@test "/dev/fuse (c 10:229) can be made but not opened" {
    import_run_base
    run_hive 0 run --rm busybox sh -c 'mknod /f c 10 229 && echo MKNOD-OK; (exec 3<>/f) 2>&1; (exec 3</f) 2>&1; true'
    [[ "$output" == *"MKNOD-OK"* ]]
    [ "$(grep -c "/f: Operation not permitted" <<<"$output")" -eq 2 ]
}

@test "the standard devices still work: null zero full random urandom tty console ptmx pts" {
    import_run_base
    assert_standard_devices_work
    hive run -d --name t busybox sleep 60 >/dev/null
    run_hive 0 exec -t t sh -c 'echo x > /dev/tty && echo tty-ok; echo x > "$(tty)" && echo pts-ok'
    for ok in tty pts; do [[ "$output" == *"$ok-ok"* ]] || { echo "no $ok-ok"; return 1; }; done
}

@test "[cgroups] devices = \"v1\": the v1 devices controller alone stops the attack" {
    [ -d /sys/fs/cgroup/devices ] || skip "no v1 devices controller on this host"
    import_run_base
    canary v1
    printf '[cgroups]\ndevices = "v1"\n' > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox sh -c "$CGLINES; $(attack)"
    # in a devices group of its own, not in a cgroup2 group of its own
    [[ "$output" == *":devices:/"*"hive-"* ]]
    [[ "$(grep '^0::' <<<"$output")" != *"hive-"* ]]
    assert_denied
    id=$(hive run -d busybox sleep 60)
    list=$(cat "$(cgdir "$id" devices)/devices.list")
    [[ "$list" == *"c 1:3 rwm"* && "$list" == *"b *:* m"* && "$list" == *"c 136:* rwm"* ]]
    [[ "$list" != *"a *:* rwm"* && "$list" != *"10:229"* ]]
    assert_standard_devices_work
    two_canaries
    assert_device_flag
}

@test "[cgroups] devices = \"bpf\": the cgroup2 BPF program alone stops the attack" {
    grep -q cgroup2 /proc/mounts || skip "no cgroup2 mount on this host"
    import_run_base
    canary bpf
    printf '[cgroups]\ndevices = "bpf"\n' > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox sh -c "$CGLINES; $(attack)"
    [[ "$output" == *"0::/"*"hive-"* ]]
    [[ "$(grep ':devices:' <<<"$output")" != *"hive-"* ]]
    assert_denied
    # exec and start under the program alone too
    hive create --name b busybox sh -c "$(attack)" >/dev/null
    run_hive 0 start -a b
    assert_denied
    strip_device_policy b
    run_hive 125 start -a b
    [[ "$output" == *"container b has no device cgroup"* ]]
    hive run -d --name bx busybox sleep 60 >/dev/null
    run_hive 0 exec bx sh -c "$(attack)"
    assert_denied
    assert_standard_devices_work
    two_canaries
    assert_device_flag
}

@test "[cgroups] devices = \"both\": the v1 group and the BPF program together" {
    [ -d /sys/fs/cgroup/devices ] && grep -q cgroup2 /proc/mounts || skip "not a hybrid host"
    import_run_base
    canary both
    printf '[cgroups]\ndevices = "both"\n' > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox sh -c "$CGLINES; $(attack)"
    [[ "$(grep ':devices:' <<<"$output")" == *"hive-"* ]]
    [[ "$(grep '^0::' <<<"$output")" == *"hive-"* ]]
    assert_denied
    assert_standard_devices_work
}

@test "the default: the v1 controller on a hybrid host, the BPF program on cgroup2; rm removes the groups" {
    import_run_base
    id=$(hive run -d busybox sleep 60)
    dirs=$(cat "$HIVE_ROOT/containers/$id/cgroups")
    if [ -d /sys/fs/cgroup/devices ]; then
        grep -q "^/sys/fs/cgroup/devices/.*hive-${id:0:16}$" <<<"$dirs"
        ! grep -q "^/sys/fs/cgroup/unified/" <<<"$dirs" || false
    fi
    for d in $dirs; do [ -d "$d" ]; done
    hive rm -f "$id" >/dev/null
    for d in $dirs; do [ ! -e "$d" ] || { echo "$d left behind"; return 1; }; done
    # no switch turns the policy off
    printf '[cgroups]\ndevices = "off"\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *'cgroups.devices must be "auto", "v1", "bpf" or "both"'* ]]
}

@test "--device grants exactly that device, with its permissions" {
    import_run_base
    two_canaries
    assert_device_flag
    # bad requests fail before anything is created
    run_hive 125 run --rm --device /etc/passwd busybox true
    [[ "$output" == *"/etc/passwd is not a device node"* ]]
    run_hive 125 run --rm --device "$LOOP1:/dev/x:rwx" busybox true
    [[ "$output" == *"must be a subset of rwm"* ]]
    run_hive 125 run --rm --device "$LOOP1:dev/x" busybox true
    [[ "$output" == *"must be absolute"* ]]
    [ -z "$(hive ps -aq)" ]
}

@test "--privileged allows every device, as Docker does" {
    import_run_base
    canary priv
    run_hive 0 run --rm --privileged busybox sh -c "mknod /x b $MAJ $MIN && head -c 12 /x"
    [[ "$output" == *"CANARY-priv"* ]]
}

# Found in review (device cgroup): the policy allows `c 5:1 rwm`, the HOST's
# system console (here ttyS0). hive never gives a container a 5:1 node (with
# -t its /dev/console is a bind of its own pts, 136:N), so the rule serves
# nothing, and a container (mknod, CAP_MKNOD) or an image layer (a shipped
# node, even with --cap-drop MKNOD) can read the host console's input and
# write to it, or change its termios. Only the open is tried: no byte is
# written to the host console, and nothing is read (a read would block).
@test "a container cannot open the host's system console (c 5:1), made with mknod or shipped in a layer" {
    import_run_base
    run_hive 0 run --rm busybox sh -c 'mknod /c c 5 1 && echo MKNOD-OK; (exec 3>/c) 2>&1; true'
    [[ "$output" == *"MKNOD-OK"* ]]
    [[ "$output" == *"/c: Operation not permitted"* ]]
    python3 - "$(base_tar)" "$WORK/con.tar" <<'PY'
import sys, tarfile
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(src) as s, tarfile.open(out, "w") as t:
    for m in s.getmembers():
        t.addfile(m, s.extractfile(m) if m.isreg() else None)
    i = tarfile.TarInfo("hostconsole")
    i.type, i.devmajor, i.devminor, i.mode = tarfile.CHRTYPE, 5, 1, 0o666
    t.addfile(i)
PY
    hive import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$WORK/con.tar" evil:con >/dev/null
    run_hive 0 run --rm --cap-drop MKNOD evil:con sh -c '(exec 3>/hostconsole) 2>&1; true'
    [[ "$output" == *"/hostconsole: Operation not permitted"* ]]
    # what -t needs still works: the container's /dev/console is its own pts
    run_hive 0 run --rm -t busybox sh -c 'stat -c %t /dev/console; echo x > /dev/console && echo console-ok'
    [[ "$output" == *"88"* ]]   # major 136
    [[ "$output" == *"console-ok"* ]]
}
