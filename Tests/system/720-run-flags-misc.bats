#!/usr/bin/env bats
# run/create's other flags (issue #15): --cidfile, --label-file, --volumes-from,
# --annotation (kept in the record), -v with relative host paths, :z/:Z/
# :cached/:delegated, bind propagation, -q, --platform, the flags hive refuses
# (RunRefusals) and those it ignores, and the older -a/--expose/--sig-proxy/
# --detach-keys checks. A refused value leaves no container and no file.
load helpers

teardown() {
    if [ -n "${HOSTMNT:-}" ]; then umount "$HOSTMNT/sub" 2>/dev/null; umount "$HOSTMNT" 2>/dev/null; fi
    teardown_containers
}

assert_no_containers() { [ -z "$("$HIVE" ps -aq)" ] || { echo "containers left: $("$HIVE" ps -a)"; return 1; }; }
# the record's stored spec (the JSON the engine keeps) of container $1
spec_of() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select config from containers where name=?", (sys.argv[2],)).fetchone()[0])' "$HIVE_ROOT/hive.db" "$1"; }

@test "--cidfile writes the ID, refuses an existing file and leaves none after a failed create" {
    import_run_base
    run_hive 0 create --cidfile "$WORK/cid" --name c1 busybox true
    [ "$(cat "$WORK/cid")" = "$(hive inspect -f '{{.Id}}' c1)" ]
    run_hive 125 create --cidfile "$WORK/cid" busybox true
    [[ "$output" == *"container ID file found, make sure the other container isn't running or delete $WORK/cid"* ]]
    run_hive 0 run --rm --network none --cidfile "$WORK/cid2" busybox true
    [ "$(wc -c < "$WORK/cid2")" -eq 64 ]
    run_hive 125 create --cidfile "$WORK/cid3" --name c1 busybox true
    [ ! -e "$WORK/cid3" ]
    run_hive 125 create --cidfile "$WORK/cid4" nosuchimage true
    [ ! -e "$WORK/cid4" ]
}

@test "--label-file reads labels (comments and blank lines skipped); --label wins; --annotation is kept" {
    import_run_base
    printf '# a comment\n\na=1\nb=from-file\nflag\n' > "$WORK/labels"
    run_hive 0 create --label-file "$WORK/labels" --label b=from-flag --annotation org.example/k=v --name l1 busybox true
    [ "$(hive inspect -f '{{index .Config.Labels "a"}}' l1)" = 1 ]
    [ "$(hive inspect -f '{{index .Config.Labels "b"}}' l1)" = from-flag ]
    [ "$(hive inspect -f '{{index .Config.Labels "flag"}}' l1)" = "" ]
    [[ "$(spec_of l1)" == *'"annotations":{"org.example/k":"v"}'* ]]
    run_hive 125 create --label-file "$WORK/nope" busybox true
    [[ "$output" == *"cannot open label file $WORK/nope"* ]]
    run_hive 0 rm l1
    assert_no_containers
}

@test "--volumes-from mounts another container's volumes and binds, :ro read-only" {
    import_run_base
    mkdir "$WORK/b"
    run_hive 0 run --network none --name src -v data1:/data -v "$WORK/b:/bind" busybox sh -c 'echo hello > /data/f; echo bound > /bind/g'
    run_hive 0 run --rm --network none --volumes-from src busybox cat /data/f /bind/g
    [ "${lines[0]}" = hello ]
    [ "${lines[1]}" = bound ]
    run_hive 1 run --rm --network none --volumes-from src:ro busybox sh -c 'echo x > /data/f'
    [[ "$output" == *"Read-only file system"* ]]
    # the request's own mount of a target wins
    run_hive 0 run --rm --network none --volumes-from src -v data2:/data busybox sh -c 'ls /data | wc -l'
    [ "$output" = 0 ]
    run_hive 125 run --rm --network none --volumes-from nosuch busybox true
    [[ "$output" == *"no such container: nosuch"* ]]
    run_hive 125 run --rm --network none --volumes-from src:rx busybox true
    [[ "$output" == *"invalid mode: rx"* ]]
    run_hive 0 rm src
    assert_no_containers
}

@test "-v takes relative host paths (./dir, .) from the working directory and Docker's no-op options" {
    import_run_base
    mkdir -p "$WORK/rel/sub"
    echo here > "$WORK/rel/sub/file"
    cd "$WORK/rel"
    run_hive 0 run --rm --network none -v ./sub:/s:ro,z busybox cat /s/file
    [ "$output" = here ]
    run_hive 0 run --rm --network none -v .:/w:Z busybox cat /w/sub/file
    [ "$output" = here ]
    run_hive 0 run --rm --network none -v ./sub/../sub:/s:cached -v "$WORK/rel:/d:delegated" busybox cat /s/file /d/sub/file
    [ "${lines[0]}" = here ]
    run_hive 125 run --rm --network none -v ./sub:/s:bogus busybox true
    [[ "$output" == *"unknown option \"bogus\""* ]]
    run_hive 125 run --rm --network none -v ./nosuch:/s busybox true
    [[ "$output" == *"bind source path does not exist: $WORK/rel/nosuch"* ]]
    run_hive 125 run --rm --network none -v vol1:/s:rslave busybox true
    [[ "$output" == *"applies to bind mounts only"* ]]
    assert_no_containers
}

@test "bind propagation: rslave sees a mount the host makes later below the source; the default (rprivate) does not" {
    import_run_base
    mkdir -p "$WORK/prop/sub"
    # Docker's rule: a slave bind needs a shared (or slave) source mount
    run_hive 125 run --rm --network none -v "$WORK/prop:/p:rslave" busybox true
    [[ "$output" == *"is not a shared or slave mount"* ]]
    HOSTMNT=$WORK/prop
    mount --bind "$HOSTMNT" "$HOSTMNT"
    mount --make-shared "$HOSTMNT"
    run_hive 0 run -d --network none --name slave1 -v "$WORK/prop:/p:rslave" busybox sleep 60
    run_hive 0 run -d --network none --name private1 -v "$WORK/prop:/p" busybox sleep 60
    run_hive 0 run -d --network none --name private2 --mount "type=bind,src=$WORK/prop,dst=/p,bind-propagation=rprivate" busybox sleep 60
    mount -t tmpfs -o size=1m hivetest "$HOSTMNT/sub"
    echo seen > "$HOSTMNT/sub/marker"
    run_hive 0 exec slave1 cat /p/sub/marker
    [ "$output" = seen ]
    [[ "$(spec_of slave1)" == *'"propagation":"rslave"'* ]]
    run_hive 1 exec private1 cat /p/sub/marker
    run_hive 1 exec private2 cat /p/sub/marker
    run_hive 125 run --rm --network none --mount "type=bind,src=$WORK/prop,dst=/p,bind-propagation=sideways" busybox true
    [[ "$output" == *"invalid propagation mode"* ]]
}

@test "refused Docker flags say why and leave nothing; harmless values and ignored flags are accepted" {
    import_run_base
    for args in "--link other:alias" "--runtime runc" "--isolation hyperv" "--storage-opt size=1g" "--volume-driver nfs" \
                "--use-api-socket" "--userns private" "--cpu-count 2" "--cpu-percent 50" "--io-maxiops 10" "--io-maxbandwidth 1m" \
                "--disable-content-trust=false" "--link-local-ip 169.254.1.1" "--gpus all"; do
        run_hive 125 create $args busybox true
        [[ "$output" == *"is not supported"* ]] || { echo "$args: $output"; return 1; }
    done
    run_hive 125 create --link other busybox true
    [[ "$output" == *"user network"* ]]
    run_hive 125 create --isolation process busybox true
    [[ "$output" == *"Windows only"* ]]
    assert_no_containers
    run_hive 0 run --rm --network none --isolation default --userns host --volume-driver local --disable-content-trust busybox echo ok
    [ "$output" = ok ]
    run_hive 0 run --rm --network none --kernel-memory 10m busybox echo ok
    [[ "$output" == *"kernel memory limit is deprecated"* ]]
    [ "${lines[0]}" = ok ]
}

@test "-q prints no pull output; --platform is checked against the image" {
    import_run_base
    run_hive 0 run --rm --network none -q busybox echo quiet
    [ "$output" = quiet ]
    arch=$(hive image inspect -f '{{.Architecture}}' busybox)
    run_hive 0 run --rm --network none --platform "linux/$arch" busybox echo ok
    [ "$output" = ok ]
    other=arm64; [ "$arch" = arm64 ] && other=amd64
    run_hive 125 create --platform "linux/$other" busybox true
    [[ "$output" == *"does not match the specified platform (linux/$other)"* ]]
    run_hive 125 create --platform "linux//x" busybox true
    [[ "$output" == *"invalid --platform"* ]]
    assert_no_containers
    # image inspect, history, save, rmi and push --platform: the local image's own platform or an error
    run_hive 0 image inspect --platform "linux/$arch" -f '{{.Architecture}}' busybox
    [ "$output" = "$arch" ]
    run_hive 1 image inspect --platform "linux/$other" busybox
    [[ "$output" == *"does not match the specified platform (linux/$other)"* ]]
    run_hive 0 history -q --platform "linux/$arch" busybox
    run_hive 125 history --platform "linux/$other" busybox
    [[ "$output" == *"does not match the specified platform"* ]]
    run_hive 0 save --platform "linux/$arch" -o "$WORK/b.tar" busybox
    [ -s "$WORK/b.tar" ]
    run_hive 125 save --platform "linux/$other" -o "$WORK/c.tar" busybox
    [ ! -e "$WORK/c.tar" ]
    hive tag busybox 127.0.0.1:9/plat:1
    run_hive 1 push --platform "linux/$other" 127.0.0.1:9/plat:1
    [[ "$output" == *"does not match the specified platform"* ]]
    run_hive 1 rmi --platform "linux/$other" 127.0.0.1:9/plat:1
    [[ "$output" == *"does not match the specified platform"* ]]
    run_hive 0 rmi --platform "linux/$arch" 127.0.0.1:9/plat:1
    [ "$output" = "Untagged: 127.0.0.1:9/plat:1" ]
}

@test "older flags still work: -a, --expose, --cpu-shares and --cpuset-cpus (run), --sig-proxy, --detach-keys" {
    import_run_base
    run -0 --separate-stderr "$HIVE" run --rm --network none -a stdout busybox sh -c 'echo out; echo err >&2'
    [ "$output" = out ]
    [ -z "$stderr" ]
    run -0 --separate-stderr "$HIVE" run --rm --network none -a stderr busybox sh -c 'echo out; echo err >&2'
    [ "$stderr" = err ]
    [ -z "$output" ]
    run_hive 0 create --name e1 --expose 8080 --expose 9000-9001/udp busybox true
    [[ "$(spec_of e1)" == *'"exposed":["8080","9000-9001/udp"]'* ]]
    run_hive 125 create --expose 99999 busybox true
    run_hive 0 run --rm --network none --cpu-shares 256 --cpuset-cpus 0 busybox sh -c 'grep Cpus_allowed_list /proc/self/status'
    [[ "$output" == *"Cpus_allowed_list:"*"0" ]]
    run_hive 0 run --rm --network none --sig-proxy=false busybox echo ok
    [ "$output" = ok ]
    run_hive 0 run --rm --network none --detach-keys ctrl-x,y busybox echo ok
    [ "$output" = ok ]
    run_hive 125 run --rm --network none --detach-keys ctrl-! busybox true
    run_hive 0 rm e1
    assert_no_containers
}
