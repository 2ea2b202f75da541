#!/usr/bin/env bats
# hive update (cgroup limits and restart policy of running and stopped
# containers) and hive stats (issue #14).
load helpers

teardown() { teardown_containers; }

# the value of cgroup file $3 (controller $2) of container $1
cgval() { cat "$(cgdir "$1" "$2")/$3"; }

@test "update changes the limits of a running container in its cgroups and in inspect" {
    import_run_base
    hive run -d --name u1 busybox sleep 300 >/dev/null
    run_hive 0 update --memory 64m --cpus 0.5 --pids-limit 100 --cpu-shares 512 --cpuset-cpus 0 u1
    [ "$output" = "u1" ]
    if [ -d /sys/fs/cgroup/pids ]; then
        [ "$(cgval u1 memory memory.limit_in_bytes)" = $((64 << 20)) ]
        [ "$(cgval u1 cpu cpu.cfs_quota_us)" = 50000 ]
        [ "$(cgval u1 cpu cpu.shares)" = 512 ]
        [ "$(cgval u1 cpuset cpuset.cpus)" = 0 ]
        [ "$(cgval u1 pids pids.max)" = 100 ]
        # the container's processes moved into the groups made for cpu and cpuset
        pid=$(hive inspect -f '{{.State.Pid}}' u1)
        grep -qx "$pid" "$(cgdir u1 cpu)/cgroup.procs"
        grep -qx "$pid" "$(cgdir u1 cpuset)/cgroup.procs"
    else
        [ "$(cgval u1 memory memory.max)" = $((64 << 20)) ]
        [ "$(cgval u1 cpu cpu.max)" = "50000 100000" ]
        [ "$(cgval u1 pids pids.max)" = 100 ]
    fi
    run_hive 0 inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}}' u1
    [ "$output" = "$((64 << 20)) 500000000 100 512 0" ]
    # lifting a limit: -1 pids, more memory with unlimited swap
    run_hive 0 update --pids-limit -1 --memory 128m --memory-swap -1 u1
    [ "$(cgval u1 pids pids.max)" = max ]
    run_hive 0 inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}}' u1
    [ "$output" = "$((128 << 20)) -1 0" ]
    # the limit holds: a process allocating past it is OOM-killed
    run_hive 0 update --memory 8m --memory-swap 8m u1
    run hive exec u1 sh -c 'x=$(head -c 20000000 /dev/zero | tr "\0" a); echo survived'
    [[ "$output" != *survived* ]]
}

@test "update of a stopped container: the spec now, the cgroups at its next start" {
    import_run_base
    hive create --name s1 busybox sleep 300 >/dev/null
    run_hive 0 update -m 32m --cpus 1 --pids-limit 50 s1
    [ "$output" = "s1" ]
    run_hive 0 inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' s1
    [ "$output" = "$((32 << 20)) 1000000000 50" ]
    hive start s1 >/dev/null
    pid=$(hive inspect -f '{{.State.Pid}}' s1)
    if [ -d /sys/fs/cgroup/pids ]; then
        [ "$(cgval s1 memory memory.limit_in_bytes)" = $((32 << 20)) ]
        [ "$(cgval s1 cpu cpu.cfs_quota_us)" = 100000 ]
        [ "$(cgval s1 pids pids.max)" = 50 ]
        grep -qx "$pid" "$(cgdir s1 cpu)/cgroup.procs"
    else
        [ "$(cgval s1 memory memory.max)" = $((32 << 20)) ]
    fi
    # stopped again and updated: the next start has the new limit
    hive stop -t 1 s1 >/dev/null
    run_hive 0 update --pids-limit 60 s1
    hive start s1 >/dev/null
    [ "$(cgval s1 pids pids.max)" = 60 ]
}

@test "update --restart changes the policy; an --rm container refuses one" {
    import_run_base
    hive run -d --name r1 busybox sleep 300 >/dev/null
    run_hive 0 update --restart on-failure:3 r1
    run_hive 0 inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' r1
    [ "$output" = "on-failure:3" ]
    hive run -d --rm --name r2 busybox sleep 300 >/dev/null
    run_hive 1 update --restart always r2
    [[ "$output" == *"Restart policy cannot be updated because AutoRemove is enabled for the container"* ]]
    run_hive 125 update --restart sometimes r1
    [[ "$output" == *"invalid restart policy"* ]]
}

@test "update refuses bad values with Docker's words and changes nothing; the other containers are updated" {
    import_run_base
    hive run -d --name b1 --memory 64m busybox sleep 300 >/dev/null
    hive run -d --name b2 busybox sleep 300 >/dev/null
    before=$(hive inspect -f '{{json .HostConfig}}' b1)
    mem=$(cgval b1 memory memory.limit_in_bytes 2>/dev/null || cgval b1 memory memory.max)
    run_hive 1 update --memory 4m b1
    [[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
    run_hive 1 update --memory 64m --memory-swap 32m b1
    [[ "$output" == *"Minimum memoryswap limit should be larger than memory limit, see usage"* ]]
    run_hive 1 update --memory-swap 128m b2
    [[ "$output" == *"You should always set the Memory limit when using Memoryswap limit, see usage"* ]]
    run_hive 1 update --cpus 4096 b1
    [[ "$output" == *"range of CPUs is from 0.01 to"*"CPUs available"* ]]
    run_hive 1 update --cpuset-cpus 4095 b1
    [[ "$output" == *"Requested CPUs are not available"* ]]
    run_hive 1 update --cpuset-cpus 0-x b1
    [[ "$output" == *"Invalid value 0-x for cpuset cpus"* ]]
    run_hive 125 update --memory lots b1
    [[ "$output" == *"invalid size"* ]]
    run_hive 125 update b1
    [[ "$output" == *"one or more flags"* ]]
    [ "$(hive inspect -f '{{json .HostConfig}}' b1)" = "$before" ]
    [ "$(cgval b1 memory memory.limit_in_bytes 2>/dev/null || cgval b1 memory memory.max)" = "$mem" ]
    # several containers: the missing one's error, exit 1, the others updated
    run_hive 1 update --pids-limit 77 b1 nosuch b2
    [[ "$output" == *"no such container: nosuch"* ]]
    [ "$(hive inspect -f '{{.HostConfig.PidsLimit}}' b1)" = 77 ]
    [ "$(hive inspect -f '{{.HostConfig.PidsLimit}}' b2)" = 77 ]
    # run takes the same flags and checks
    run_hive 125 run --rm --memory 8m --memory-swap 4m busybox true
    [[ "$output" == *"Minimum memoryswap limit should be larger than memory limit"* ]]
    hive run -d --name b3 --cpu-shares 256 --cpuset-cpus 0 busybox sleep 300 >/dev/null
    [ "$(hive inspect -f '{{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}}' b3)" = "256 0" ]
    if [ -d /sys/fs/cgroup/pids ]; then
        [ "$(cgval b3 cpu cpu.shares)" = 256 ]
        [ "$(cgval b3 cpuset cpuset.cpus)" = 0 ]
    fi
}

@test "stats --no-stream: Docker's columns and formats, --format, -a, --no-trunc" {
    import_run_base
    hive run -d --name st1 --memory 64m busybox sh -c 'sleep 300 & sleep 301' >/dev/null
    hive create --name st2 busybox true >/dev/null
    run_hive 0 stats --no-stream
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +st1\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+(B|KiB|MiB)\ /\ 64MiB\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+k?B\ /\ [0-9.]+k?B\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +2$ ]]
    run_hive 0 stats --no-stream -a --format '{{.Name}} {{.PIDs}} {{.CPUPerc}} {{.MemUsage}}'
    [[ "$output" == *"st1 2 "* ]]
    [[ "$output" == *"st2 0 0.00% 0B / 0B"* ]]
    id=$(hive inspect -f '{{.Id}}' st1)
    run_hive 0 stats --no-stream --no-trunc --format 'table {{.Container}}\t{{.ID}}' st1
    [[ "${lines[0]}" =~ ^CONTAINER\ +CONTAINER\ ID$ ]]
    [[ "${lines[1]}" =~ ^st1\ +$id$ ]]
    run_hive 125 stats --no-stream nosuch
    [[ "$output" == *"no such container: nosuch"* ]]
    # a busy container's CPU % is well above zero
    hive run -d --name busy busybox sh -c 'while :; do :; done' >/dev/null
    run_hive 0 stats --no-stream --format '{{.CPUPerc}}' busy
    [ "${output%%.*}" -ge 10 ]
}

@test "stats NET I/O counts a container's traffic on its network, not lo" {
    import_run_base
    hive network create statsnet >/dev/null
    hive run -d --name n1 --network statsnet busybox sleep 300 >/dev/null
    hive run -d --name n2 --network statsnet busybox sleep 300 >/dev/null
    # 40 kB on lo stays out (what the network carries meanwhile is < 1 kB: neighbour discovery)
    hive exec n1 ping -c 20 -i 0.01 -s 1000 127.0.0.1 >/dev/null
    run_hive 0 stats --no-stream --format '{{.NetIO}}' n1
    [[ "$output" =~ ^[0-9]+B\ /\ [0-9]+B$ ]]
    # 20 pings of 1000 bytes from n2: at least 20 kB each way in n1
    hive exec n2 ping -c 20 -i 0.01 -s 1000 n1 >/dev/null
    run_hive 0 stats --no-stream --format '{{.NetIO}}' n1
    [[ "$output" =~ ^[0-9.]+kB\ /\ [0-9.]+kB$ ]]
    rx=${output%%kB*}
    [ "${rx%%.*}" -ge 20 ]
}

@test "stats streams a frame a second and shows a container started meanwhile" {
    import_run_base
    hive run -d --name f1 busybox sleep 300 >/dev/null
    timeout 6 "$HIVE" stats --format '{{.Name}}' > "$WORK/frames" &
    # once the first frame is out, a second container: a later frame shows it
    for _ in $(seq 50); do grep -q '^f1$' "$WORK/frames" && break; sleep 0.1; done
    hive run -d --name f2 busybox sleep 300 >/dev/null
    for _ in $(seq 50); do grep -q '^f2$' "$WORK/frames" && break; sleep 0.1; done
    kill %1 2>/dev/null || true
    wait || true
    [ "$(grep -c '^f1$' "$WORK/frames")" -ge 2 ]
    grep -q '^f2$' "$WORK/frames"
}
