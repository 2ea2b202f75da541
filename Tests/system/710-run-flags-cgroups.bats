#!/usr/bin/env bats
# run/create's cgroup flags (issue #15): the limits in the container's groups
# (--memory-reservation, --memory-swappiness, --oom-kill-disable,
# --cpuset-mems, --cpu-period/--cpu-quota, --cpu-rt-*, --device-*-bps/iops,
# --blkio-weight), --cpu-shares/--cpuset-cpus/--memory-swap as run sets them,
# --cgroup-parent, --device-cgroup-rule. A refused value leaves no container.
load helpers

teardown() {
    teardown_containers
    for c in memory pids freezer devices cpu cpuset blkio; do rmdir /sys/fs/cgroup/$c/hive-test-parent-$$/sub 2>/dev/null; rmdir /sys/fs/cgroup/$c/hive-test-parent-$$ 2>/dev/null; done
    true
}

cgval() { cat "$(cgdir "$1" "$2")/$3"; }
assert_no_containers() { [ -z "$("$HIVE" ps -aq)" ] || { echo "containers left: $("$HIVE" ps -a)"; return 1; }; }
v1() { [ -d /sys/fs/cgroup/memory ] || skip "cgroup v1 controllers needed"; }

@test "memory tuning: --memory-reservation, --memory-swappiness, --oom-kill-disable, --memory-swap" {
    v1
    import_run_base
    run_hive 0 create --name m1 -m 64m --memory-swap 128m --memory-reservation 32m --memory-swappiness 10 --oom-kill-disable busybox true
    [ "$(cgval m1 memory memory.soft_limit_in_bytes)" = 33554432 ]
    [ "$(cgval m1 memory memory.swappiness)" = 10 ]
    grep -qx "oom_kill_disable 1" "$(cgdir m1 memory)/memory.oom_control"
    [ "$(cgval m1 memory memory.limit_in_bytes)" = 67108864 ]
    if [ -f "$(cgdir m1 memory)/memory.memsw.limit_in_bytes" ]; then [ "$(cgval m1 memory memory.memsw.limit_in_bytes)" = 134217728 ]; fi
    run_hive 125 create --memory-reservation 1m busybox true
    [[ "$output" == *"Minimum memory reservation allowed is 6MB"* ]]
    run_hive 125 create -m 16m --memory-reservation 32m busybox true
    [[ "$output" == *"can not be less than memory reservation"* ]]
    run_hive 125 create --memory-swappiness 101 busybox true
    [[ "$output" == *"valid memory swappiness range is 0-100"* ]]
    run_hive 0 create --name m2 --oom-kill-disable busybox true
    [[ "$output" == *"Disabling the OOM killer"* ]]
    run_hive 0 rm m1 m2
    assert_no_containers
}

@test "cpu tuning: --cpu-period/--cpu-quota, --cpu-shares, --cpuset-cpus/--cpuset-mems, --cpu-rt-runtime" {
    v1
    import_run_base
    run_hive 0 create --name c1 --cpu-period 50000 --cpu-quota 25000 --cpu-shares 512 --cpuset-cpus 0 --cpuset-mems 0 busybox true
    [ "$(cgval c1 cpu cpu.cfs_period_us)" = 50000 ]
    [ "$(cgval c1 cpu cpu.cfs_quota_us)" = 25000 ]
    [ "$(cgval c1 cpu cpu.shares)" = 512 ]
    [ "$(cgval c1 cpuset cpuset.cpus)" = 0 ]
    [ "$(cgval c1 cpuset cpuset.mems)" = 0 ]
    # the container runs inside them
    run_hive 0 run --rm --network none --cpuset-mems 0 busybox sh -c 'grep Mems_allowed_list /proc/self/status'
    [[ "$output" == *"Mems_allowed_list:"*"0"* ]]
    run_hive 125 create --cpus 1 --cpu-period 50000 busybox true
    [[ "$output" == *"Nano CPUs and CPU Period cannot both be set"* ]]
    run_hive 125 create --cpu-period 10 busybox true
    [[ "$output" == *"CPU cfs period can not be less than 1ms"* ]]
    run_hive 125 create --cpuset-mems 7 busybox true
    [[ "$output" == *"Requested memory nodes are not available"* ]]
    run_hive 125 create --cpu-shares 1 busybox true
    [[ "$output" == *"invalid --cpu-shares 1"* ]]
    if [ -f /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
        run_hive 0 create --name c2 --cpu-rt-period 100000 --cpu-rt-runtime 1000 busybox true
        [ "$(cgval c2 cpu cpu.rt_runtime_us)" = 1000 ]
        run_hive 125 create --cpu-rt-period 1000 --cpu-rt-runtime 2000 busybox true
        [[ "$output" == *"runtime cannot be higher"* ]]
    fi
    run_hive 0 rm -f c1 c2
    assert_no_containers
}

@test "block IO: --device-read-bps and kin in blkio.throttle; --blkio-weight clear where the kernel has no weight file" {
    v1
    [ -d /sys/fs/cgroup/blkio ] || skip "no blkio controller"
    import_run_base
    dev=$(awk '$2 == "/" {print $1}' /proc/mounts | head -1)
    [ -b "$dev" ] || dev=$(ls /dev/vda /dev/sda /dev/nvme0n1 /dev/loop0 2>/dev/null | head -1)
    [ -b "$dev" ] || skip "no block device to throttle"
    majmin=$((0x$(stat -c %t "$dev"))):$((0x$(stat -c %T "$dev")))
    run_hive 0 create --name b1 --device-read-bps "$dev:1mb" --device-write-iops "$dev:100" busybox true
    grep -qx "$majmin 1048576" "$(cgdir b1 blkio)/blkio.throttle.read_bps_device"
    grep -qx "$majmin 100" "$(cgdir b1 blkio)/blkio.throttle.write_iops_device"
    run_hive 125 create --device-read-bps /etc/passwd:1mb busybox true
    [[ "$output" == *"bad format for device path"* ]]
    run_hive 125 create --device-read-bps "$dev:lots" busybox true
    [[ "$output" == *"invalid rate for device"* ]]
    run_hive 125 create --blkio-weight 5 busybox true
    [[ "$output" == *"Range of blkio weight is from 10 to 1000"* ]]
    if ls /sys/fs/cgroup/blkio/blkio.weight /sys/fs/cgroup/blkio/blkio.bfq.weight >/dev/null 2>&1; then
        run_hive 0 create --name b2 --blkio-weight 300 busybox true
    else
        run_hive 125 create --blkio-weight 300 busybox true
        [[ "$output" == *"--blkio-weight is not supported here"*"blkio.weight"* ]]
    fi
    "$HIVE" rm -f b1 b2 >/dev/null 2>&1 || true
    assert_no_containers
}

@test "--cgroup-parent puts the container's groups under that parent" {
    v1
    import_run_base
    run_hive 0 run -d --network none --name p1 --cgroup-parent /hive-test-parent-$$/sub busybox sleep 60
    pid=$(hive inspect -f '{{.State.Pid}}' p1)
    grep -q "memory:/hive-test-parent-$$/sub/hive-" /proc/$pid/cgroup
    grep -q "pids:/hive-test-parent-$$/sub/hive-" /proc/$pid/cgroup
    run_hive 0 rm -f p1
    [ -z "$(ls -d /sys/fs/cgroup/memory/hive-test-parent-$$/sub/hive-* 2>/dev/null)" ]
    run_hive 125 create --cgroup-parent ../escape busybox true
    [[ "$output" == *"invalid --cgroup-parent"* ]]
    assert_no_containers
}

@test "--device-cgroup-rule allows a device by number; without it the node cannot be opened" {
    import_run_base
    # /dev/loop-control (c 10:237) made inside the container: denied, then allowed by the rule
    run_hive 1 run --rm --network none busybox sh -c 'mknod /lc c 10 237 && exec 3</lc'
    [[ "$output" == *"Operation not permitted"* ]]
    run_hive 0 run --rm --network none --device-cgroup-rule 'c 10:237 rw' busybox sh -c 'mknod /lc c 10 237 && exec 3</lc && echo OPENED'
    [ "$output" = OPENED ]
    run_hive 0 run --rm --network none --device-cgroup-rule 'c 10:* rw' busybox sh -c 'mknod /lc c 10 237 && exec 3</lc && echo OPENED'
    [ "$output" = OPENED ]
    run_hive 125 create --device-cgroup-rule 'x 1:2 rw' busybox true
    [[ "$output" == *"invalid device cgroup format 'x 1:2 rw'"* ]]
    run_hive 125 create --device-cgroup-rule 'c 1:2 rwq' busybox true
    assert_no_containers
}
