#!/usr/bin/env bats
# Cleanup that reclaims everything (issue #16): Docker's removal semantics
# (rmi prunes untagged parents unless --no-prune; image prune and system
# prune remove whole chains in one pass), hooks once per object.
load helpers

teardown() { teardown_containers; }

# chain NAME: busybox <- <none> <- <none> <- NAME, by three commits (a chain of
# untagged parents, as a legacy build's intermediate images are). Prints the
# two untagged IDs.
chain() {
    local base=busybox i
    for i in 1 2; do
        hive run --network none --name "chain-${1%%:*}-$i" "$base" sh -c "echo $i > /f$i" >/dev/null
        base=$(hive commit "chain-${1%%:*}-$i")
        base=${base#sha256:}
        echo "$base"
    done
    hive run --network none --name "chain-${1%%:*}-3" "$base" sh -c 'echo 3 > /f3' >/dev/null
    hive commit "chain-${1%%:*}-3" "$1" >/dev/null
    hive rm "chain-${1%%:*}-1" "chain-${1%%:*}-2" "chain-${1%%:*}-3" >/dev/null
}

@test "rmi removes the untagged parents it leaves; --no-prune keeps them" {
    import_run_base
    parents=($(chain top:1))
    [ "$(hive images -aq | wc -l)" -eq 4 ]
    top=$(hive images -q --no-trunc top:1)
    run_hive 0 rmi top:1
    [ "${lines[0]}" = "Untagged: top:1" ]
    [ "${lines[1]}" = "Deleted: $top" ]
    [ "${lines[2]}" = "Deleted: sha256:${parents[1]}" ]
    [ "${lines[3]}" = "Deleted: sha256:${parents[0]}" ]
    [ "${#lines[@]}" -eq 4 ]
    [ "$(hive images --format '{{.Repository}}')" = "busybox" ]
    # --no-prune: only the named image goes; its parents stay as <none>
    parents=($(chain top:2))
    run_hive 0 rmi --no-prune top:2
    [ "${#lines[@]}" -eq 2 ]
    [ "$(hive images -aq | wc -l)" -eq 3 ]
    # a parent still tagged, or used by a container, stops the pruning
    hive tag "${parents[0]}" keep:1
    run_hive 0 rmi "${parents[1]}"
    [ "${#lines[@]}" -eq 1 ]
    [ "$(hive images --format '{{.Repository}}' | sort | tr '\n' ' ')" = "busybox keep " ]
}

@test "image prune removes dangling chains in one pass; -a every unused image, base included, in one pass" {
    import_run_base
    chain a:1 >/dev/null
    chain b:1 >/dev/null
    hive rmi --no-prune a:1 >/dev/null           # its two parents are dangling now
    hive import --change 'LABEL x=1' "$(base_tar)" other:1 >/dev/null
    hive create --name pin other:1 true >/dev/null
    [ "$(hive images -aq | wc -l)" -eq 7 ]
    add_hook 10-count.lua <<'EOF'
hive.on("pre-prune", function(c) hive.log.warn("pre-prune " .. #c.candidates) end)
hive.on("on-remove", function(c) hive.log.warn("on-remove " .. c.id) end)
EOF
    run_hive 0 image prune -f
    [ "$(grep -c '^deleted: sha256:' <<< "$output")" -eq 2 ]
    [ "$(grep -c 'pre-prune 2' <<< "$output")" -eq 1 ]
    [ "$(grep -c 'on-remove' <<< "$output")" -eq 2 ]
    [[ "$output" == *"Total reclaimed space: "* ]]
    # b:1's parents have a child: not dangling
    [ "$(hive images -aq | wc -l)" -eq 5 ]
    run_hive 0 image prune -f
    [ "$(tail -1 <<< "$output")" = "Total reclaimed space: 0B" ]
    # -a: b:1, its two parents and busybox (b:1's base) in one pass; other:1 is in use
    run_hive 0 image prune -af
    [ "$(grep -c '^deleted: sha256:' <<< "$output")" -eq 4 ]
    [ "$(grep -c 'on-remove' <<< "$output")" -eq 4 ]
    [[ "$output" == *"untagged: b:1"*"untagged: busybox:latest"* ]]
    [ "$(hive images --format '{{.Repository}}')" = "other" ]
    hive rm pin >/dev/null
    run_hive 0 image prune -af
    [[ "$output" == *"untagged: other:1"* ]]
    assert_store_empty
}

@test "system prune -a removes stopped containers and every unused image chain in one pass" {
    import_run_base
    chain c:1 >/dev/null
    hive run --network none --name stopped c:1 true
    run_hive 0 system prune -af
    [[ "$output" == *"Deleted Containers:"* ]]
    [ "$(grep -c '^deleted: sha256:' <<< "$output")" -eq 4 ]
    [[ "$output" =~ Total\ reclaimed\ space:\ [1-9] ]]
    [ -z "$(hive ps -aq)" ]
    assert_store_empty
}

# build_ctx: a context with a file and a three-layer Dockerfile (COPY, RUN, RUN).
build_ctx() {
    mkdir -p "$WORK/ctx"
    echo "content $1" > "$WORK/ctx/a.txt"
    printf 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nRUN head -c 20000 /dev/urandom > /blob\nCMD ["cat", "/b.txt"]\n' > "$WORK/ctx/Dockerfile"
    echo "$WORK/ctx"
}

@test "builds leave build cache records, not <none> images; the cache survives image prune -a and still hits" {
    import_run_base
    c=$(build_ctx 1)
    id=$(hive build -q --network none -t app:1 "$c")
    [ "$(hive images -aq | wc -l)" -eq 2 ]          # busybox and app:1: no intermediate image
    [ "$(hive builder du --format '{{.ID}}' | wc -l)" -eq 4 ]   # COPY, RUN, RUN, the exported image
    # a failed build leaves nothing visible: no image, no container, no mount
    printf 'FROM busybox\nRUN echo partial > /p\nRUN false\n' > "$c/Dockerfile.bad"
    run_hive 125 build -f "$c/Dockerfile.bad" --network none "$c"
    [ "$(hive images -aq | wc -l)" -eq 2 ]
    [ -z "$(hive ps -aq)" ]
    ! grep -q "$HIVE_ROOT" /proc/mounts || false
    [ "$(hive builder du --format '{{.ID}}' | wc -l)" -eq 5 ]   # plus the RUN that succeeded
    # image prune -a removes every image no container uses (busybox is; an imported base would
    # be another image next time, a pulled one the same); the cache stays and a rebuild hits every step
    hive create --name pin busybox true >/dev/null
    run_hive 0 image prune -af
    [ "$(hive images -aq | wc -l)" -eq 1 ]
    [ "$(hive builder du --format '{{.ID}}' | wc -l)" -eq 5 ]
    run_hive 0 build --network none -t app:1 "$c"
    [ "$(grep -c CACHED <<< "$output")" -eq 3 ]
    [ "$(hive images -q --no-trunc app:1)" = "$id" ]    # the same image, made again from its record
    [ "$(hive run --rm --network none app:1)" = "content 1" ]
}

@test "builder prune: dangling only, -a, --filter until, --keep-storage; builder du and system df agree" {
    import_run_base
    c=$(build_ctx 1)
    hive build -q --network none -t app:1 "$c" >/dev/null
    c=$(build_ctx 2)
    hive build -q --network none -t app:2 "$c" >/dev/null
    [ "$(hive builder du --format '{{.ID}}' | wc -l)" -eq 8 ]
    run_hive 0 system df --format '{{.Type}} {{.TotalCount}} {{.Size}}'
    [ "${lines[3]}" = "Build Cache 8 0B" ]        # every record's layer is in an image: counted there
    # app:1's records become dangling when the image goes
    hive rmi app:1 >/dev/null
    run_hive 0 system df --format '{{.Type}} {{.TotalCount}}'
    [ "${lines[3]}" = "Build Cache 8" ]
    run_hive 0 builder du
    [[ "${lines[0]}" =~ ^ID\ +RECLAIMABLE\ +SIZE\ +LAST\ ACCESSED$ ]]
    [[ "$output" == *"Total:"* ]]
    # until=1h: nothing is that old
    run_hive 0 builder prune -f --filter until=1h
    [ "$output" = "Total reclaimed space: 0B" ]
    run_hive 125 builder prune -f --filter bogus=1
    [[ "$output" == *'invalid filter "bogus=1"'* ]]
    run_hive 125 builder prune -f --keep-storage lots
    [[ "$output" == *'invalid --keep-storage "lots"'* ]]
    # --keep-storage: least recently used dangling records until the cache is that small
    run_hive 0 builder prune -f --keep-storage 100GB
    [ "$output" = "Total reclaimed space: 0B" ]
    # dangling: app:1's COPY, RUN, RUN and exported image (app:2 shares busybox only)
    run_hive 0 builder prune -f
    [[ "$output" == "Deleted build cache objects:"* ]]
    [ "$(grep -c '^[0-9a-f]\{25\}$' <<< "$output")" -eq 4 ]
    [[ "$output" =~ Total\ reclaimed\ space:\ [1-9] ]]
    [ "$(hive builder du --format '{{.ID}}' | wc -l)" -eq 4 ]
    run_hive 0 build --network none "$c"
    [ "$(grep -c CACHED <<< "$output")" -eq 3 ]
    # -a: everything no build uses; the images are untouched
    run_hive 0 builder prune -af
    [ -z "$(hive builder du --format '{{.ID}}')" ]
    [ "$(hive run --rm --network none app:2)" = "content 2" ]
    # with the images gone too, the store holds nothing
    hive rmi app:2 busybox >/dev/null
    assert_store_empty
}

@test "RUN --mount=type=cache directories are build cache: counted, and pruned with it" {
    import_run_base
    mkdir -p "$WORK/ctx"
    printf 'FROM busybox\nRUN --mount=type=cache,target=/cache head -c 30000 /dev/zero > /cache/data && ls /cache > /list\n' > "$WORK/ctx/Dockerfile"
    hive build -q --network none -t m:1 "$WORK/ctx" >/dev/null
    run_hive 0 builder du --format '{{.Type}} {{.Size}}'
    [[ "$output" == *"exec.cachemount 3"* ]]
    run_hive 0 system df --format '{{.Type}} {{.Size}}'
    [[ "${lines[3]}" =~ ^Build\ Cache\ 3[0-9.]+kB$ ]]
    run_hive 0 builder prune -f
    [ "$(grep -c '^[0-9a-f]\{25\}$' <<< "$output")" -eq 1 ]
    [ -z "$(ls "$HIVE_ROOT/cache/build")" ]
}

@test "system gc: the build cache by its limits, in the stated order; stale hook bundles and seccomp BPF swept; why nothing goes" {
    import_run_base
    c=$(build_ctx 1)
    hive build -q --network none -t app:1 "$c" >/dev/null
    hive rmi app:1 >/dev/null                    # its four records are dangling now
    hive import "$(base_tar)" >/dev/null          # a dangling image
    printf '[gc]\nmin_age = "0s"\n' > "$HIVE_CONFIG"
    # caches: a hook set's bundle no longer used, an old seccomp BPF
    mkdir -p "$HIVE_ROOT/cache/hooks"
    head -c 1000 /dev/zero > "$HIVE_ROOT/cache/hooks/0123456789abcdef"
    head -c 800 /dev/zero > "$HIVE_ROOT/cache/seccomp-$(printf '%064d' 7).bpf"
    touch -d '10 days ago' "$HIVE_ROOT/cache/seccomp-$(printf '%064d' 7).bpf"
    run_hive 0 system gc --dry-run
    [ "$(grep -c 'would remove build-cache .*dangling build cache' <<< "$output")" -eq 4 ]
    [ "$(grep -c 'would remove image <none>.*dangling' <<< "$output")" -eq 1 ]
    [[ "$output" == *"would remove cache hooks/0123456789abcdef"*"no longer in use"* ]]
    [[ "$output" == *"would remove cache seccomp-"*"not used for a week"* ]]
    [[ "$output" == *"below high_watermark"* ]]
    run_hive 0 system gc --dry-run --format json
    [ "$(grep -c '"Type":"build-cache"' <<< "$output")" -eq 4 ]
    [[ "$(tail -1 <<< "$output")" == '{"Kept":['* ]]
    run_hive 0 system gc
    [ -z "$(hive builder du --format '{{.ID}}')" ]
    [ "$(hive images -aq | wc -l)" -eq 1 ]
    [ ! -e "$HIVE_ROOT/cache/hooks/0123456789abcdef" ]
    [ ! -e "$HIVE_ROOT/cache/seccomp-$(printf '%064d' 7).bpf" ]
    [ -n "$(ls "$HIVE_ROOT/cache" | grep seccomp-)" ]    # the build's own, used just now, stays
    run_hive 0 system gc --dry-run
    [ "${lines[0]}" = "nothing to remove" ]
    [[ "$output" == *"images kept: 1 (0 used by containers, 0 used or added within min_age 0s, 1 unused: tagged"* ]]
    # limits: records shared with an image go past build_cache_max_age, or beyond build_cache_keep_storage
    hive build -q --network none -t app:2 "$c" >/dev/null
    printf '[gc]\nmin_age = "0s"\nbuild_cache_keep_storage = "1kB"\n' > "$HIVE_CONFIG"
    run_hive 0 system gc --dry-run
    [[ "$output" == *"beyond build_cache_keep_storage"* ]]
    printf '[gc]\nmin_age = "0s"\nbuild_cache_max_age = "1s"\n' > "$HIVE_CONFIG"
    sleep 1.1
    run_hive 0 system gc
    [ -z "$(hive builder du --format '{{.ID}}')" ]
    [ "$(hive run --rm --network none app:2)" = "content 1" ]
    printf '[gc]\nbuild_cache_keep_storage = "lots"\n' > "$HIVE_CONFIG"
    run_hive 125 system gc
    [[ "$output" == *"gc.build_cache_keep_storage must be a size"* ]]
}
