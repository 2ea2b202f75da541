#!/usr/bin/env bats
# run/create's namespace and kernel flags (issue #15): --ipc, --pid, --uts,
# --cgroupns, --shm-size, --sysctl, --domainname, --group-add, --oom-score-adj.
# Each asserts the effect inside the container; a refused value leaves no container.
load helpers

teardown() { teardown_containers; }

# no container left after a refused run/create
assert_no_containers() { [ -z "$("$HIVE" ps -aq)" ] || { echo "containers left: $("$HIVE" ps -a)"; return 1; }; }

@test "--shm-size sizes /dev/shm; the default is 64m; --ipc none has no /dev/shm" {
    import_run_base
    run_hive 0 run --rm --network none busybox df -k /dev/shm
    [[ "$output" == *" 65536 "* ]]
    run_hive 0 run --rm --network none --shm-size 128m busybox df -k /dev/shm
    [[ "$output" == *" 131072 "* ]]
    run_hive 0 run --rm --network none --ipc none busybox sh -c 'grep -c " /dev/shm " /proc/mounts || true'
    [ "${lines[-1]}" = 0 ]
    run_hive 125 run --rm --network none --shm-size -1 busybox true
    [[ "$output" == *"invalid"* ]]
    run_hive 125 create --shm-size lots busybox true
    assert_no_containers
}

@test "--ipc container:NAME shares NAME's /dev/shm (POSIX shared memory); a donor whose /dev/shm is not its tmpfs is refused" {
    import_run_base
    run_hive 0 run -d --network none --name donor --ipc shareable busybox sleep 60
    run_hive 0 exec donor sh -c 'echo from-donor > /dev/shm/seg'
    run_hive 0 run --rm --network none --ipc container:donor busybox sh -c 'cat /dev/shm/seg; echo from-joiner > /dev/shm/back'
    [ "$output" = from-donor ]
    run_hive 0 exec donor cat /dev/shm/back
    [ "$output" = from-joiner ]
    # a private container's /dev/shm is its own
    run_hive 0 run --rm --network none busybox ls /dev/shm
    [ -z "$output" ]
    # the joiner's /dev/shm keeps the donor's mount flags
    run_hive 0 run --rm --network none --ipc container:donor busybox grep ' /dev/shm ' /proc/mounts
    [[ "$output" == *nosuid,nodev,noexec* ]]
    # A donor with CAP_SYS_ADMIN controls its own mounts; nothing it put there is trusted.
    local caps=(--ipc shareable --cap-add SYS_ADMIN --security-opt seccomp=unconfined)
    local why="cannot share the --ipc container's /dev/shm: it is not a tmpfs mounted there from its root"
    ready() { hive exec "$1" test -e /tmp/ready; }
    # a symlink, a bind of /etc, a bind of a directory of another tmpfs: refused, nothing of them mounted
    run_hive 0 run -d --network none --name evil1 "${caps[@]}" busybox sh -c 'umount /dev/shm && rmdir /dev/shm && ln -s /etc /dev/shm && touch /tmp/ready && sleep 60'
    run_hive 0 run -d --network none --name evil2 "${caps[@]}" busybox sh -c 'umount /dev/shm && mount --bind /etc /dev/shm && touch /tmp/ready && sleep 60'
    run_hive 0 run -d --network none --name evil3 "${caps[@]}" --tmpfs /data busybox sh -c 'mkdir /data/sub && umount /dev/shm && mount --bind /data/sub /dev/shm && touch /tmp/ready && sleep 60'
    for c in evil1 evil2 evil3; do until_true 20 ready $c; done
    for c in evil1 evil2 evil3; do
        run_hive 125 run --rm --network none --ipc container:$c busybox ls /dev/shm
        [[ "$output" == *"$why"* ]]
        [[ "$output" != *passwd* ]]
    done
    # a tmpfs of the donor's own making, suid, dev and exec, and shared: the joiner's
    # copy is nosuid, nodev, noexec and private (what the donor mounts in it later stays out)
    run_hive 0 run -d --network none --name evil4 "${caps[@]}" \
        busybox sh -c 'umount /dev/shm && mount -t tmpfs -o exec,suid,dev evil /dev/shm && mount --make-shared /dev/shm && touch /tmp/ready && sleep 60'
    until_true 20 ready evil4
    run_hive 0 run -d --network none --name j4 --ipc container:evil4 busybox sleep 60
    run_hive 0 exec j4 grep ' /dev/shm ' /proc/self/mountinfo
    [[ "$output" == *nosuid,nodev,noexec* ]]
    [[ "$output" != *shared:* ]]
    run_hive 0 exec evil4 sh -c 'mkdir /dev/shm/etc && mount --bind /etc /dev/shm/etc && ls /dev/shm/etc/passwd'
    run_hive 0 exec j4 ls /dev/shm/etc
    [ -z "$output" ]
    # a donor whose /dev lookup never answers (its own FUSE mount): the launch gives up, leaving no container
    run_hive 0 run -d --network none --name evil5 "${caps[@]}" --device /dev/fuse \
        busybox sh -c 'exec 3<>/dev/fuse; mount -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 x /dev && touch /tmp/ready; sleep 60'
    until_true 20 ready evil5
    run_hive 125 run --rm --network none --name j5 --ipc container:evil5 busybox true
    [[ "$output" == *"looking it up in that container took over 5 s"* ]]
    run_hive 1 inspect j5
}

@test "--ipc shareable and container:NAME share one IPC namespace; host is the host's; private is not" {
    import_run_base
    run_hive 0 run -d --network none --name donor --ipc shareable busybox sleep 60
    donor=$(hive inspect -f '{{.State.Pid}}' donor)
    want=$(readlink /proc/$donor/ns/ipc)
    run_hive 0 run --rm --network none --ipc container:donor busybox readlink /proc/self/ns/ipc
    [ "$output" = "$want" ]
    run_hive 0 run --rm --network none busybox readlink /proc/self/ns/ipc
    [ "$output" != "$want" ]
    run_hive 0 run --rm --network none --ipc host busybox readlink /proc/self/ns/ipc
    [ "$output" = "$(readlink /proc/self/ns/ipc)" ]
    # a created container joins the donor's namespace as it is at start
    run_hive 0 create --network none --name joiner --ipc container:donor busybox readlink /proc/self/ns/ipc
    run_hive 0 start -a joiner
    [ "$output" = "$want" ]
    # Docker's rules: a private donor cannot be joined, a stopped one neither
    run_hive 0 run -d --network none --name private1 busybox sleep 60
    run_hive 125 run --rm --network none --ipc container:private1 busybox true
    [[ "$output" == *"non-shareable IPC"* ]]
    # a joiner restarted by its policy joins the donor as it is then: here
    # after the donor itself restarted (its init, and namespace, are new)
    run_hive 0 run -d --network none --name cycler --ipc container:donor --restart always busybox sh -c 'sleep 0.3; exit 1'
    run_hive 0 restart -t 0 donor
    donor=$(hive inspect -f '{{.State.Pid}}' donor)
    want=$(readlink /proc/$donor/ns/ipc)
    joined() { local p; p=$(hive inspect -f '{{.State.Pid}}' cycler); [ "$p" != 0 ] && [ "$(readlink /proc/$p/ns/ipc 2>/dev/null)" = "$want" ]; }
    until_true 20 joined
    run_hive 0 rm -f cycler
    run_hive 0 stop -t 0 donor
    run_hive 125 start -a joiner
    [[ "$output" == *"cannot join IPC of a non running container: donor"* ]]
    run_hive 125 run --rm --network none --ipc bogus busybox true
    [[ "$output" == *"invalid IPC mode: bogus"* ]]
    run_hive 125 run --rm --network none --ipc container:nosuch busybox true
    [[ "$output" == *"no such container: nosuch"* ]]
}

@test "--pid host sees the host's processes; --pid container:NAME sees the other container's" {
    import_run_base
    run_hive 0 run --rm --network none --pid host busybox readlink /proc/self/ns/pid
    [ "$output" = "$(readlink /proc/self/ns/pid)" ]
    run_hive 0 run --rm --network none --pid host busybox sh -c "test -d /proc/$$ && echo SEES-HOST"
    [ "$output" = SEES-HOST ]
    run_hive 0 run -d --network none --name target busybox sleep 60
    tpid=$(hive inspect -f '{{.State.Pid}}' target)
    run_hive 0 run --rm --network none --pid container:target busybox sh -c 'readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "'
    [ "${lines[0]}" = "$(readlink /proc/$tpid/ns/pid)" ]
    [ "${lines[1]}" = "sleep 60 " ]
    # no extra capability for a shared namespace: the default set's CapEff
    run_hive 0 run --rm --network none --pid host busybox grep CapEff /proc/self/status
    cap_host=$output
    run_hive 0 run --rm --network none busybox grep CapEff /proc/self/status
    [ "$cap_host" = "$output" ]
    run_hive 0 stop -t 0 target
    run_hive 125 run --rm --network none --pid container:target busybox true
    [[ "$output" == *"cannot join PID of a non running container: target"* ]]
    run_hive 125 run --rm --network none --pid bogus busybox true
    [[ "$output" == *"invalid PID mode"* ]]
}

@test "--uts host keeps the host's hostname; --domainname sets the NIS domain; --cgroupns host" {
    import_run_base
    run_hive 0 run --rm --network none --uts host busybox hostname
    [ "$output" = "$(hostname)" ]
    run_hive 0 run --rm --network none --uts host busybox readlink /proc/self/ns/uts
    [ "$output" = "$(readlink /proc/self/ns/uts)" ]
    run_hive 0 run --rm --network none --domainname example.org busybox cat /proc/sys/kernel/domainname
    [ "$output" = example.org ]
    run_hive 125 run --rm --network none --uts host --hostname x busybox true
    [[ "$output" == *"conflicting options: hostname and the UTS mode"* ]]
    run_hive 125 run --rm --network none --uts private busybox true
    [[ "$output" == *"invalid UTS mode"* ]]
    run_hive 0 run --rm --network none --cgroupns host busybox readlink /proc/self/ns/cgroup
    [ "$output" = "$(readlink /proc/self/ns/cgroup)" ]
    run_hive 0 run --rm --network none --cgroupns private busybox readlink /proc/self/ns/cgroup
    [ "$output" != "$(readlink /proc/self/ns/cgroup)" ]
    run_hive 125 create --cgroupns other busybox true
    [[ "$output" == *"invalid cgroup namespace mode: other"* ]]
    assert_no_containers
}

@test "--sysctl writes namespaced sysctls in the container, and refuses the others as Docker does" {
    import_run_base
    host=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
    run_hive 0 run --rm --network none --sysctl net.ipv4.ip_unprivileged_port_start=77 --sysctl kernel.shmmni=2048 \
        --sysctl fs.mqueue.msg_max=20 busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max
    [ "${lines[0]}" = 77 ]
    [ "${lines[1]}" = 2048 ]
    [ "${lines[2]}" = 20 ]
    [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = "$host" ]
    # the slash form (an interface name with a dot needs it)
    run_hive 0 run --rm --network none --sysctl net/ipv4/conf/lo/forwarding=1 busybox cat /proc/sys/net/ipv4/conf/lo/forwarding
    [ "$output" = 1 ]
    run_hive 125 create --sysctl kernel.hostname=x busybox true
    [[ "$output" == *"use --hostname"* ]]
    run_hive 125 create --sysctl kernel.domainname=x busybox true
    [[ "$output" == *"use --domainname"* ]]
    run_hive 125 create --sysctl vm.swappiness=1 busybox true
    [[ "$output" == *"sysctl 'vm.swappiness' is not allowed"* ]]
    run_hive 125 create --network host --sysctl net.ipv4.ip_forward=1 busybox true
    [[ "$output" == *"not allowed with --network host"* ]]
    run_hive 125 create --ipc host --sysctl kernel.shmmni=10 busybox true
    [[ "$output" == *"not allowed with --ipc host"* ]]
    run_hive 125 create --sysctl net/../../x=1 busybox true
    [[ "$output" == *"invalid --sysctl key"* ]]
    run_hive 125 create --sysctl novalue busybox true
    [[ "$output" == *"KEY=VALUE"* ]]
    assert_no_containers
    # a key the kernel has not: the launch fails naming it, nothing left with --rm
    run_hive 125 run --rm --network none --sysctl net.ipv4.no_such_knob=1 busybox true
    [[ "$output" == *"net/ipv4/no_such_knob"* ]]
    assert_no_containers
}

@test "--group-add adds groups by name (the image's /etc/group) and number; --oom-score-adj" {
    import_run_base
    run_hive 0 run --rm --network none --group-add staff --group-add 4242 busybox sh -c 'grep ^Groups: /proc/self/status'
    [[ "$output" == *" 50 "* || "$output" == *" 50" ]]
    [[ "$output" == *"4242"* ]]
    run_hive 0 run --rm --network none --user www-data --group-add wheel busybox id -G
    [ "$output" = "33 10" ]
    run_hive 125 create --group-add nosuchgroup busybox true
    [[ "$output" == *"unable to find group nosuchgroup"* ]]
    run_hive 0 run --rm --network none --oom-score-adj 500 busybox cat /proc/self/oom_score_adj
    [ "$output" = 500 ]
    run_hive 125 create --oom-score-adj 1001 busybox true
    [[ "$output" == *"range for oom score adj is [-1000, 1000]"* ]]
    assert_no_containers
}
