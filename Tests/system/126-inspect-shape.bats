#!/usr/bin/env bats
# inspect's shape against Docker 20.10's own output (Tests/fixtures/docker-inspect):
# the same flags give the same key tree, JSON types and deterministic values.
load helpers

FX=$BATS_TEST_DIRNAME/../fixtures/docker-inspect

teardown() { teardown_containers; }

# keytree FIXTURE TARGET [--gap PATH | --same PATH]...: hive's inspect of TARGET against the fixture.
keytree() {
    local fixture=$1 target=$2; shift 2
    "$HIVE" inspect "$target" > "$WORK/inspect.json"
    python3 "$FX/keytree.py" "$FX/$fixture" "$WORK/inspect.json" "$@"
}

import_fx() { "$HIVE" import --change 'CMD ["/bin/sh"]' "$(base_tar)" busybox:fx >/dev/null; }

# The fixture's main container (capture.sh), with every one of its flags.
create_full() {
    mkdir -p "$WORK/bind"
    hive network create fxnet >/dev/null
    hive volume create --label vk=vv fxvol >/dev/null
    hive create --name fxfull --network fxnet \
        -v "$WORK/bind:/data:ro" -v fxvol:/vol --tmpfs /run:size=64m \
        -p 127.0.0.1:8080:80/tcp -p 9090:90/udp \
        --restart on-failure:3 --health-cmd 'true' --health-interval 2s --health-retries 2 \
        -m 64m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --pids-limit 100 \
        --cap-add NET_ADMIN --cap-drop MKNOD --read-only --security-opt no-new-privileges \
        --ulimit nofile=1024:2048 --init --shm-size 32m --add-host db:10.0.0.2 --dns 1.1.1.1 \
        -e A=1 -e B=two -l com.example.k=v -l other=x -w /tmp -u 1000:1000 --group-add 10 \
        --sysctl kernel.shm_rmid_forced=1 \
        --entrypoint /bin/sh -t -i --stop-signal SIGINT --stop-timeout 5 --hostname fxhost \
        --device /dev/null:/dev/xnull:rwm --log-opt max-size=10m --log-opt max-file=3 \
        busybox:fx -c 'sleep 1000' >/dev/null
}

# What hive documents as different for the main container, each with its reason.
FULL_GAPS=(
)
FULL_SAME=(
    --same Name --same Path --same Args --same Platform --same RestartCount --same ExecIDs --same Config.Image
    --same HostConfig.RestartPolicy --same HostConfig.CapAdd --same HostConfig.CapDrop --same HostConfig.Memory
    --same HostConfig.NanoCpus --same HostConfig.CpuShares --same HostConfig.CpusetCpus --same HostConfig.PidsLimit
    --same HostConfig.ReadonlyRootfs --same HostConfig.Init --same HostConfig.ExtraHosts --same HostConfig.Dns
    --same HostConfig.PortBindings --same HostConfig.Devices --same HostConfig.LogConfig --same HostConfig.AutoRemove
    --same HostConfig.Privileged --same HostConfig.NetworkMode --same HostConfig.ReadonlyPaths
    --same Config.Env --same Config.Labels --same Config.User --same Config.WorkingDir --same Config.Hostname
    --same Config.StopSignal --same Config.StopTimeout --same Config.Healthcheck --same Config.Tty --same Config.OpenStdin
    --same Config.StdinOnce --same Config.AttachStdin --same Config.ExposedPorts --same Config.Volumes --same Config.Domainname
    --same HostConfig.ShmSize --same HostConfig.GroupAdd --same HostConfig.Sysctls --same HostConfig.IpcMode
    --same HostConfig.PidMode --same HostConfig.UTSMode --same HostConfig.OomScoreAdj --same HostConfig.CgroupParent
    --same HostConfig.Ulimits --same HostConfig.SecurityOpt --same Config.Entrypoint --same Config.Cmd
)

@test "inspect of a container made with the fixture's flags has Docker's key tree, types and values, created to exited" {
    import_fx
    create_full
    run keytree container-full-created.json fxfull "${FULL_GAPS[@]}" "${FULL_SAME[@]}" --same State
    echo "$output"
    [ "$status" -eq 0 ]
    # the mounts as Docker shows them: a read-only bind, a named volume (--tmpfs is HostConfig.Tmpfs only)
    run_hive 0 inspect -f '{{range .Mounts}}{{.Type}},{{.Destination}},{{.Mode}},{{.RW}},{{.Propagation}};{{end}}' fxfull
    [ "$output" = "bind,/data,ro,false,rprivate;volume,/vol,z,true,;" ]
    run_hive 0 inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{.Driver}}{{end}}{{end}}' fxfull
    [ "$output" = "fxvol local" ]
    run_hive 0 inspect -f '{{json .HostConfig.Tmpfs}} {{json .HostConfig.Binds}}' fxfull
    [ "$output" = "{\"/run\":\"\"} [\"$WORK/bind:/data:ro\",\"fxvol:/vol\"]" ]
    # the files hive writes for it, and the overlay directories
    id=$(hive inspect -f '{{.Id}}' fxfull)
    run_hive 0 inspect -f '{{.HostnamePath}} {{.HostsPath}} {{.ResolvConfPath}}' fxfull
    [ "$output" = "$HIVE_ROOT/containers/$id/hostname $HIVE_ROOT/containers/$id/hosts $HIVE_ROOT/containers/$id/resolv.conf" ]
    [ -f "$HIVE_ROOT/containers/$id/hosts" ]

    hive start fxfull >/dev/null
    wait_for 10 bash -c "[ \"\$('$HIVE' inspect -f '{{.State.Health.Status}}' fxfull)\" = healthy ]"
    run keytree container-full-running.json fxfull "${FULL_GAPS[@]}" "${FULL_SAME[@]}" \
        --same State.Status --same State.Running --same State.Paused --same State.OOMKilled --same State.Health.Status
    echo "$output"
    [ "$status" -eq 0 ]
    for d in $(hive inspect -f '{{.GraphDriver.Data.UpperDir}} {{.GraphDriver.Data.WorkDir}} {{.GraphDriver.Data.MergedDir}}' fxfull); do
        [ -d "$d" ]
    done
    [ "$(hive inspect -f '{{.GraphDriver.Name}}' fxfull)" = overlay ]
    [ "$(hive inspect -f '{{.LogPath}}' fxfull)" = "$HIVE_ROOT/containers/$id/log" ]
    [ -f "$HIVE_ROOT/containers/$id/log" ]

    hive pause fxfull
    run keytree container-full-paused.json fxfull "${FULL_GAPS[@]}" --same State.Status --same State.Running --same State.Paused
    echo "$output"
    [ "$status" -eq 0 ]
    hive unpause fxfull
    [ "$(hive inspect -f '{{.State.Status}} {{.State.Paused}}' fxfull)" = "running false" ]

    hive stop -t 1 fxfull >/dev/null
    # a stopped container has no endpoint in hive: Docker keeps its aliases
    run keytree container-full-exited.json fxfull "${FULL_GAPS[@]}" --gap 'NetworkSettings.Networks{}.Aliases' --same State.Status --same State.Running --same State.Pid
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "inspect of a container made with no flags has Docker's empty values" {
    import_fx
    hive create --name fxmin busybox:fx >/dev/null
    # hive's pids limit defaults to 2048 (Podman's); Docker has none (null)
    run keytree container-minimal-created.json fxmin --gap HostConfig.PidsLimit \
        --same Config.Cmd --same Config.Entrypoint --same Config.Env --same Config.Volumes --same Config.WorkingDir \
        --same Config.Labels --same Config.User --same Path --same Args --same State \
        --same HostConfig.Binds --same HostConfig.CapAdd --same HostConfig.CapDrop --same HostConfig.SecurityOpt \
        --same HostConfig.ExtraHosts --same HostConfig.GroupAdd --same HostConfig.LogConfig --same HostConfig.RestartPolicy \
        --same HostConfig.Memory --same HostConfig.MemorySwap --same HostConfig.NanoCpus --same HostConfig.Devices \
        --same HostConfig.Ulimits --same HostConfig.ShmSize --same HostConfig.IpcMode --same HostConfig.Dns
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(hive inspect -f '{{.HostConfig.PidsLimit}}' fxmin)" = 2048 ]
    [ "$(hive inspect -f '{{.Config.Hostname}}' fxmin)" = "$(hive inspect -f '{{printf "%.12s" .Id}}' fxmin)" ]
}

@test "inspect after a run to exit 0 and after an OOM kill: Docker's State, OOMKilled from the memory cgroup" {
    import_fx
    hive run --name fxnone --network none busybox:fx true
    run keytree container-none-exited.json fxnone --gap HostConfig.PidsLimit --same State.Status --same State.ExitCode \
        --same State.OOMKilled --same HostConfig.NetworkMode --same Config.Cmd
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(hive inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' fxnone)" = none ]
    run hive run --name fxoom --network none -m 8m --memory-swap 8m busybox:fx sh -c 'x=a; while true; do x=$x$x; done'
    [ "$status" -eq 137 ]
    run keytree container-oom-exited.json fxoom --gap HostConfig.PidsLimit --same State.Status --same State.ExitCode \
        --same State.OOMKilled --same HostConfig.Memory --same HostConfig.MemorySwap
    echo "$output"
    [ "$status" -eq 0 ]
    # OOMKilled is about the last run, as Docker's: killed, then started again to a clean exit
    run hive run --name fxoom2 --network none -m 8m --memory-swap 8m busybox:fx \
        sh -c '[ -e /done ] && exit 0; touch /done; x=a; while true; do x=$x$x; done'
    [ "$status" -eq 137 ]
    [ "$(hive inspect -f '{{.State.OOMKilled}}' fxoom2)" = true ]
    run_hive 0 start -a fxoom2
    [ "$(hive inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' fxoom2)" = "false 0" ]
}

@test "inspect -f templates real scripts use keep working" {
    import_fx
    mkdir -p "$WORK/src"
    hive run -d --name t1 --network none -v "$WORK/src:/src" -l app=web -l tier=front --restart on-failure:2 busybox:fx sleep 100 >/dev/null
    [ "$(hive inspect -f '{{.State.Running}}' t1)" = true ]
    [ "$(hive inspect -f '{{.NetworkSettings.IPAddress}}' t1)" = "" ]
    [ "$(hive inspect -f '{{range .Mounts}}{{.Source}}{{end}}' t1)" = "$WORK/src" ]
    [ "$(hive inspect -f '{{json .Config.Labels}}' t1)" = '{"app":"web","tier":"front"}' ]
    [ "$(hive inspect -f '{{.HostConfig.RestartPolicy.Name}}' t1)" = on-failure ]
    [ "$(hive inspect -f '{{.Name}} {{.Platform}} {{.State.Paused}} {{.HostConfig.ShmSize}}' t1)" = "/t1 linux false 67108864" ]
    [ "$(hive inspect -f '{{if .State.Running}}up{{else}}down{{end}} {{len .Config.Cmd}} {{index .Config.Cmd 0}}' t1)" = "up 2 sleep" ]
    # -s: SizeRw is the writable layer, SizeRootFs it plus the image (absent without -s, as Docker)
    hive exec t1 sh -c 'head -c 100000 /dev/zero > /big'
    read -r rw rootfs < <(hive inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' t1)
    [ "$rw" -ge 100000 ]
    [ "$rw" -lt 200000 ]
    [ "$rootfs" -gt "$rw" ]
    [ "$(hive container inspect --size -f '{{.SizeRw}}' t1)" = "$rw" ]
    ! hive inspect t1 | grep -q SizeRw
}

@test "image and volume inspect have Docker's key tree" {
    import_fx
    run keytree image-imported.json busybox:fx --same Config --same ContainerConfig --same RepoTags --same RepoDigests \
        --same Parent --same Architecture --same Os --same Container
    echo "$output"
    [ "$status" -eq 0 ]
    hive run --name fxnone --network none busybox:fx true
    hive commit -c 'ENTRYPOINT ["/bin/sh","-c"]' -c 'EXPOSE 80' -c 'VOLUME /v' -c 'LABEL a=b' -c 'WORKDIR /w' -c 'USER 1:1' \
        -c 'ENV X=1' -m 'a commit' -a 'fx author' fxnone busybox:committed >/dev/null
    # hive's commit takes no HEALTHCHECK change, keeps CMD under a new ENTRYPOINT (Docker
    # clears it) and adds a layer when nothing changed (Docker adds none); hive's images keep
    # no config of the container they came from (ContainerConfig: Docker's empty one)
    run keytree image-committed.json busybox:committed --gap Config.Healthcheck --gap Config.Cmd \
        --gap GraphDriver.Data.LowerDir --gap ContainerConfig.Cmd --gap ContainerConfig.Labels --same Config.Entrypoint --same Config.ExposedPorts \
        --same Config.Volumes --same Config.Labels --same Config.WorkingDir --same Config.User \
        --same Config.Env --same Comment --same Author --same RepoTags
    echo "$output"
    [ "$status" -eq 0 ]
    hive volume create --label vk=vv fxvol >/dev/null
    run keytree volume.json fxvol --same Name --same Driver --same Labels --same Options --same Scope
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$(hive volume inspect -f '{{.CreatedAt}}' fxvol)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
}
