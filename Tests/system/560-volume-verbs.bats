#!/usr/bin/env bats
# volume create -o (the local driver's type/device/o, mounted for real),
# volume ls --filter/--format, volume prune (anonymous unless --all, --filter),
# volume inspect's Options (#15).

load helpers

@test "volume create -o: bad options are refused with Docker's message and leave nothing" {
    run_hive 125 volume create -o foo=bar v1
    [[ "$output" == *'invalid option: "foo"'* ]]
    run_hive 125 volume create -o type=tmpfs v1
    [[ "$output" == *'missing required option: "device"'* ]]
    run_hive 125 volume create -o o=size=1m -o device=tmpfs v1
    [[ "$output" == *'missing required option: "type"'* ]]
    run_hive 125 volume create -o size=10m v1
    [[ "$output" == *"quota size requested but no quota support"* ]]
    run_hive 125 volume create -d nfs v1
    [[ "$output" == *'volume driver "nfs" is not available'* ]]
    [ -z "$(hive volume ls -q)" ]
    [ -z "$(ls "$HIVE_ROOT/volumes" 2>/dev/null)" ]
}

@test "volume create -o type=tmpfs: a container gets a tmpfs with the size and mode asked; inspect shows Options" {
    import_busybox
    run_hive 0 volume create -o type=tmpfs -o device=tmpfs -o o=size=2m,mode=0710 tv
    [ "$output" = "tv" ]
    run_hive 0 volume inspect tv --format '{{json .Options}}'
    [ "$output" = '{"device":"tmpfs","o":"size=2m,mode=0710","type":"tmpfs"}' ]
    run_hive 0 volume inspect tv --format '{{.Options.type}} {{.Driver}} {{.Scope}}'
    [ "$output" = "tmpfs local local" ]
    run_hive 0 run --rm --network none -v tv:/data busybox sh -c 'grep " /data " /proc/mounts; stat -c %a /data'
    [[ "${lines[0]}" == "tmpfs /data tmpfs "*"size=2048k"*"mode=710"* ]]
    [ "${lines[1]}" = "710" ]
    # a plain volume has no options: null, as Docker 20.10 (Tests/fixtures/docker-inspect/volume.json)
    hive volume create plain >/dev/null
    run_hive 0 volume inspect plain --format '{{json .Options}}'
    [ "$output" = "null" ]
}

@test "volume create -o o=bind: the device directory is bound (ro too); a missing device fails the run and leaves no container" {
    import_busybox
    mkdir -p "$WORK/src"
    echo hello > "$WORK/src/f"
    hive volume create -o type=none -o device="$WORK/src" -o o=bind bv >/dev/null
    run_hive 0 run --rm --network none -v bv:/data busybox sh -c 'cat /data/f; echo new > /data/g'
    [ "$output" = "hello" ]
    [ "$(cat "$WORK/src/g")" = "new" ]
    hive volume create -o type=none -o device="$WORK/src" -o o=bind,ro rov >/dev/null
    run_hive 1 run --rm --network none -v rov:/data busybox sh -c 'echo x > /data/h'
    [ ! -e "$WORK/src/h" ]
    hive volume create -o type=none -o device="$WORK/missing" -o o=bind gone >/dev/null
    run_hive 125 run --rm --network none -v gone:/data busybox true
    [[ "$output" == *'error while mounting volume "gone"'*"$WORK/missing"* ]]
    [ -z "$(hive ps -aq)" ]
    # a filesystem type the kernel does not know fails at start with the mount's own error
    hive volume create -o type=nosuchfs -o device=x odd >/dev/null
    run -125 "$HIVE" run --rm --network none -v odd:/data busybox true
    [[ "$output" == *"mount"*"/data"* ]]
}

@test "volume ls --filter dangling, name, driver, label, label! and --format fields" {
    import_busybox
    hive volume create --label tier=db --label keep data1 >/dev/null
    hive volume create --label tier=web data2 >/dev/null
    hive volume create other >/dev/null
    hive create --network none -v data1:/d busybox true >/dev/null
    [ "$(hive volume ls -q --filter dangling=true | tr '\n' ' ')" = "data2 other " ]
    [ "$(hive volume ls -q --filter dangling=false)" = "data1" ]
    [ "$(hive volume ls -q --filter dangling=0)" = "data1" ]
    [ "$(hive volume ls -q --filter name=data | tr '\n' ' ')" = "data1 data2 " ]
    [ "$(hive volume ls -q --filter name=data --filter name=oth | tr '\n' ' ')" = "data1 data2 other " ]
    [ "$(hive volume ls -q --filter 'name=^d.*2$')" = "data2" ]
    [ "$(hive volume ls -q --filter label=tier | tr '\n' ' ')" = "data1 data2 " ]
    [ "$(hive volume ls -q --filter label=tier=web)" = "data2" ]
    # several labels must all hold
    [ "$(hive volume ls -q --filter label=tier --filter label=keep)" = "data1" ]
    [ "$(hive volume ls -q --filter 'label!=tier')" = "other" ]
    [ "$(hive volume ls -q --filter driver=local | wc -l)" -eq 3 ]
    [ -z "$(hive volume ls -q --filter driver=nfs)" ]
    [ "$(hive volume ls -q --filter label=tier --filter dangling=true)" = "data2" ]
    run_hive 0 volume ls --filter name=data1 --format '{{.Name}}|{{.Driver}}|{{.Scope}}|{{.Labels}}|{{.Label "tier"}}|{{.Links}}|{{.Size}}'
    [ "$output" = "data1|local|local|keep=,tier=db|db|N/A|N/A" ]
    run_hive 0 volume ls --filter name=data1 --format '{{.Mountpoint}}'
    [ "$output" = "$HIVE_ROOT/volumes/data1/_data" ]
    run_hive 0 volume ls --filter name=other --format 'table {{.Name}}\t{{.Mountpoint}}'
    [[ "${lines[0]}" =~ ^VOLUME\ NAME\ +MOUNTPOINT$ ]]
    run_hive 0 volume ls --filter name=other --format json
    echo "$output" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Name"]=="other" and d["Driver"]=="local" and d["Links"]=="N/A", d'
    run_hive 0 volume ls
    [[ "${lines[0]}" =~ ^DRIVER\ +VOLUME\ NAME$ ]]
    [ "${#lines[@]}" -eq 4 ]
    run_hive 125 volume ls --filter foo=bar
    [[ "$output" == *"invalid filter 'foo'"* ]]
    run_hive 125 volume ls --filter dangling=maybe
    [[ "$output" == *"invalid filter 'dangling=maybe'"* ]]
    run_hive 125 volume ls --filter dangling
    [[ "$output" == *"bad format of filter"* ]]
}

@test "volume prune removes unused anonymous volumes; --all and --filter all=true named ones too; --filter label; used ones stay" {
    import_busybox
    hive create --network none -v /anon1 busybox true >/dev/null
    hive rm "$(hive ps -aq)" >/dev/null
    anon=$(hive volume ls -q)
    echo data > "$HIVE_ROOT/volumes/$anon/_data/f"
    hive volume create --label keep=yes named1 >/dev/null
    hive volume create named2 >/dev/null
    hive volume create used >/dev/null
    hive create --network none -v used:/u busybox true >/dev/null
    run_hive 0 volume prune -f
    [ "${lines[0]}" = "Deleted Volumes:" ]
    [ "${lines[1]}" = "$anon" ]
    [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [1-9][0-9.]*k?B$ ]]
    [ "$(hive volume ls -q | tr '\n' ' ')" = "named1 named2 used " ]
    run_hive 0 volume prune -f --all --filter 'label=keep=yes'
    [ "${lines[1]}" = "named1" ]
    [ "$(hive volume ls -q | tr '\n' ' ')" = "named2 used " ]
    run_hive 0 volume prune -f --filter all=true --filter 'label!=keep'
    [ "${lines[1]}" = "named2" ]
    [ "$(hive volume ls -q)" = "used" ]
    run_hive 0 volume prune -f -a
    [ "$output" = "Total reclaimed space: 0B" ]
    run_hive 125 volume prune -f --filter dangling=true
    [[ "$output" == *"invalid filter 'dangling'"* ]]
    [ "$(hive volume ls -q)" = "used" ]
}
