#!/usr/bin/env bats
# build's run flags (issue #15): -m, --memory-swap, -c, --cpuset-*, --cpu-period/
# --cpu-quota, --cgroup-parent, --shm-size, --ulimit, --add-host,
# --security-opt, --platform applied to every RUN step's container; --isolation
# default, --rm/--force-rm, --disable-content-trust accepted; --squash refused.
load helpers

teardown() { teardown_containers; }

ctx() { mkdir -p "$WORK/ctx"; echo "$WORK/ctx"; }

@test "build's run flags reach every RUN step's container (cgroup limits, /dev/shm, ulimits, hosts)" {
    import_run_base
    c=$(ctx)
    cat > "$c/Dockerfile" <<'EOF2'
FROM busybox
RUN cat /proc/self/cgroup > /cg.txt; ulimit -n > /nofile.txt; df -k /dev/shm | tail -1 > /shm.txt
RUN grep -w myhost /etc/hosts > /hosts.txt; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status > /status.txt
EOF2
    run_hive 0 build --network none -t flags:1 -m 64m --memory-swap 128m -c 512 --cpuset-cpus 0 --cpuset-mems 0 \
        --cpu-period 50000 --cpu-quota 25000 --shm-size 16m --ulimit nofile=512:512 --add-host myhost:10.1.2.3 \
        --security-opt no-new-privileges --security-opt seccomp=unconfined --platform linux/amd64 \
        --isolation default --rm --force-rm --disable-content-trust "$c"
    run_hive 0 run --rm --network none flags:1 sh -c 'cat /nofile.txt /shm.txt /hosts.txt /status.txt'
    [ "${lines[0]}" = 512 ]
    [[ "${lines[1]}" == *" 16384 "* ]]
    [[ "${lines[2]}" == "10.1.2.3"*myhost* ]]
    [[ "$output" == *"NoNewPrivs:"*1* ]]
    [[ "$output" == *"Seccomp:"*0* ]]
    # the step ran in a memory group of its own (hive-...), now gone with its container
    run_hive 0 run --rm --network none flags:1 cat /cg.txt
    [[ "$output" == *"memory:/"*"hive-"* ]]
    [ -z "$("$HIVE" ps -aq)" ]
}

@test "build's run flags: a limit seen inside a RUN step; bad values and refused flags fail before any step" {
    import_run_base
    c=$(ctx)
    printf 'FROM busybox\nRUN x=$(head -c 20000000 /dev/zero | tr "\\0" a); echo survived\n' > "$c/Dockerfile"
    # the limit holds in the step: past it the step is OOM-killed and the build fails
    run hive build --network none --progress plain --no-cache -m 8m --memory-swap 8m "$c"
    [ "$status" -ne 0 ]
    [[ "$output" == *"exit code: 137"* ]]
    run_hive 0 build --network none --progress plain --no-cache "$c"
    [[ "$output" == *$'\nsurvived'* ]]
    run_hive 125 build --squash "$c"
    [[ "$output" == *"--squash is not supported"* ]]
    run_hive 125 build --isolation hyperv "$c"
    [[ "$output" == *"--isolation hyperv is not supported"* ]]
    run_hive 125 build -m lots "$c"
    [[ "$output" == *"lots"* ]]
    run_hive 125 build --cpu-period 10 "$c"
    [[ "$output" == *"CPU cfs period can not be less than 1ms"* ]]
    run_hive 125 build --cpus 1 "$c"
    run hive build --network none --platform linux/s390x "$c"
    [ "$status" -ne 0 ]
    [[ "$output" == *"platform"*"linux/s390x"* ]]
    run_hive 0 build --network none --security-opt apparmor=unconfined "$c"
    [[ "$output" == *"WARNING: --security-opt apparmor=unconfined has no effect"* ]]
    [ -z "$("$HIVE" ps -aq)" ]
}
