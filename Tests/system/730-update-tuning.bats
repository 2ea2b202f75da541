#!/usr/bin/env bats
# hive update's tuning limits (issue #15): --cpu-period/--cpu-quota,
# --cpu-rt-period/--cpu-rt-runtime, --cpuset-mems, --memory-reservation,
# --blkio-weight on a running container: its cgroups now, its stored record
# (a later update is checked against it).
load helpers

teardown() { teardown_containers; }

cgval() { cat "$(cgdir "$1" "$2")/$3"; }
v1() { [ -d /sys/fs/cgroup/memory ] || skip "cgroup v1 controllers needed"; }

@test "update --cpu-period/--cpu-quota/--cpuset-mems/--memory-reservation on a running container" {
    v1
    import_run_base
    hive run -d --network none --name t1 busybox sleep 300 >/dev/null
    run_hive 0 update --cpu-period 50000 --cpu-quota 25000 --cpuset-mems 0 --memory-reservation 32m t1
    [ "$output" = t1 ]
    [ "$(cgval t1 cpu cpu.cfs_period_us)" = 50000 ]
    [ "$(cgval t1 cpu cpu.cfs_quota_us)" = 25000 ]
    [ "$(cgval t1 cpuset cpuset.mems)" = 0 ]
    [ "$(cgval t1 memory memory.soft_limit_in_bytes)" = $((32 << 20)) ]
    # the container's process moved into the cpu and cpuset groups update made
    pid=$(hive inspect -f '{{.State.Pid}}' t1)
    grep -qx "$pid" "$(cgdir t1 cpu)/cgroup.procs"
    grep -qx "$pid" "$(cgdir t1 cpuset)/cgroup.procs"
    # (errors about the container's values exit 1, as Docker's daemon errors do)
    # the record kept the period: --cpus now conflicts with it, and nothing changed
    run_hive 1 update --cpus 1 t1
    [[ "$output" == *"Nano CPUs and CPU Period cannot both be set"* ]]
    [ "$(cgval t1 cpu cpu.cfs_quota_us)" = 25000 ]
    # and the reservation: a memory limit below it is refused
    run_hive 1 update -m 16m t1
    [[ "$output" == *"can not be less than memory reservation"* ]]
    # --cpu-quota -1 lifts the quota, the period stays
    run_hive 0 update --cpu-quota -1 t1
    [ "$(cgval t1 cpu cpu.cfs_quota_us)" = -1 ]
    [ "$(cgval t1 cpu cpu.cfs_period_us)" = 50000 ]
}

@test "update's tuning flags: Docker's checks, a clear error where the host cannot, nothing changed" {
    v1
    import_run_base
    hive run -d --network none --name t2 busybox sleep 300 >/dev/null
    run_hive 1 update --cpu-period 10 t2
    [[ "$output" == *"CPU cfs period can not be less than 1ms"* ]]
    run_hive 1 update --cpuset-mems 7 t2
    [[ "$output" == *"Requested memory nodes are not available"* ]]
    run_hive 1 update --memory-reservation 1m t2
    [[ "$output" == *"Minimum memory reservation allowed is 6MB"* ]]
    run_hive 1 update --blkio-weight 5 t2
    [[ "$output" == *"Range of blkio weight is from 10 to 1000"* ]]
    run_hive 1 update --cpu-rt-period 1000 --cpu-rt-runtime 2000 t2
    [[ "$output" == *"runtime cannot be higher"* ]]
    run_hive 125 update --cpu-period nope t2
    [[ "$output" == *"--cpu-period"*"not an integer"* ]]
    if ls /sys/fs/cgroup/blkio/blkio.weight /sys/fs/cgroup/blkio/blkio.bfq.weight >/dev/null 2>&1; then
        run_hive 0 update --blkio-weight 300 t2
    else
        run_hive 1 update --blkio-weight 300 t2
        [[ "$output" == *"--blkio-weight is not supported here"* ]]
    fi
    # no cpu group was left behind by the failures, and the record has no period
    [ -z "$(ls -d /sys/fs/cgroup/cpu/*/hive-*"$(hive inspect -f '{{.Id}}' t2 | cut -c1-16)" /sys/fs/cgroup/cpu/hive-*"$(hive inspect -f '{{.Id}}' t2 | cut -c1-16)" 2>/dev/null)" ]
    run_hive 0 update --cpus 0.5 t2
    if [ -f /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
        run hive update --cpu-rt-runtime 1000 t2
        # the kernel takes it only when hive's group has a real-time budget: either way a clear answer
        [ "$status" -eq 0 ] || [[ "$output" == *"rt_runtime"* || "$output" == *"cpu-rt"* ]]
    fi
}
