#!/usr/bin/env bats
# `system df` against the disk (issue #16): every row of `system df` and of
# `system df -v` equals the bytes in the store's own directories, measured
# here with find: regular files' lengths, a hard-linked file once (du -sb's
# apparent size without the directories' own blocks). The stated margin is
# 4096 bytes per number; today they match exactly. Images: the layers
# images have (layers/CHAIN/diff), each once however many images share it;
# Build Cache: the layers only build records hold, and the cache mounts;
# Containers: each writable layer (containers/ID/upper); Local Volumes:
# volumes/NAME. Compressed blobs are not counted (as Docker's df).
load helpers

teardown() { teardown_containers; }

MARGIN=4096

# bytes DIR...: content bytes under the directories (none given: 0)
bytes() {
    [ $# -gt 0 ] || { echo 0; return; }
    find "$@" -type f -printf '%D:%i %s\n' 2>/dev/null | sort -u | awk '{s += $2} END {print s + 0}'
}

# near WHAT GOT WANT: within the margin, or say which number is off
near() {
    local d=$(($2 - $3))
    [ "${d#-}" -le "$MARGIN" ] || { echo "$1: hive says $2, the disk holds $3" >&2; return 1; }
}

sql() { sqlite3 "$HIVE_ROOT/hive.db" "$1"; }

# layer_dirs CHAIN...: their content directories
layer_dirs() { local c; for c in "$@"; do echo "$HIVE_ROOT/layers/$c/diff"; done; }

# df_field TYPE FIELD: a summary row's field
df_field() { hive system df --format "{{.Type}}|{{.$2}}" | awk -F'|' -v t="$1" '$1 == t {print $2}'; }

@test "system df and system df -v rows equal the bytes on disk: images, containers, volumes, build cache" {
    import_run_base
    # an image no container uses, of a layer of its own
    mkdir -p "$WORK/extra" && head -c 5000 /dev/urandom > "$WORK/extra/e" && tar -C "$WORK/extra" -cf "$WORK/extra.tar" e
    hive import "$WORK/extra.tar" extra:1 >/dev/null
    # a build: two layers of its own on busybox's, and a cache mount
    mkdir -p "$WORK/c1" "$WORK/c2"
    printf 'FROM busybox\nRUN head -c 200000 /dev/zero > /a\nRUN --mount=type=cache,target=/c head -c 30000 /dev/zero > /c/x && head -c 1000 /dev/zero > /b\n' > "$WORK/c1/Dockerfile"
    hive build -q --network none -t big:1 "$WORK/c1" >/dev/null
    # a build whose image goes: its layer stays as build cache only
    printf 'FROM busybox\nRUN head -c 70000 /dev/zero > /o\n' > "$WORK/c2/Dockerfile"
    hive build -q --network none -t other:1 "$WORK/c2" >/dev/null
    hive rmi other:1 >/dev/null
    # containers: stopped (with a hard link), running (with a used volume), created then cp'd into, started twice
    hive run --network none --name w1 busybox sh -c 'head -c 50000 /dev/zero > /f && ln /f /f2'
    hive run -d --network none --name w2 -v v1:/d busybox sh -c 'head -c 40000 /dev/zero > /d/x; head -c 20000 /dev/zero > /g; sleep 60' >/dev/null
    w2=$(hive inspect -f '{{.Id}}' w2)
    w2_wrote() { [ "$(bytes "$HIVE_ROOT/containers/$w2/upper")" -eq 20000 ]; }
    wait_for 10 w2_wrote
    hive create --network none --name w3 big:1 true >/dev/null
    head -c 12345 /dev/urandom > "$WORK/blob"
    hive cp "$WORK/blob" w3:/blob
    hive run --network none --name w4 busybox sh -c 'head -c 10000 /dev/zero >> /log'
    hive start -a w4
    # an unused named volume
    hive run --rm --network none -v v2:/d busybox sh -c 'head -c 60000 /dev/zero > /d/y'

    upper() { echo "$HIVE_ROOT/containers/$(hive inspect -f '{{.Id}}' "$1")/upper"; }
    # what each container's writable layer holds, as planned
    [ "$(bytes "$(upper w1)")" -eq 50000 ]
    [ "$(bytes "$(upper w3)")" -eq 12345 ]
    [ "$(bytes "$(upper w4)")" -eq 20000 ]

    # Images: every layer an image has, once; reclaimable: extra's (no container uses it)
    img_layers=$(sql "SELECT DISTINCT chain_id FROM image_layers")
    cache_layers=$(sql "SELECT DISTINCT chain_id FROM build_record_layers EXCEPT SELECT chain_id FROM image_layers")
    [ -n "$cache_layers" ]
    extra=$(hive image inspect -f '{{index .RootFS.Layers 0}}' extra:1)
    near "Images size" "$(df_field Images RawSize)" "$(bytes $(layer_dirs $img_layers))"
    near "Images reclaimable" "$(df_field Images RawReclaimable)" "$(bytes $(layer_dirs "${extra#sha256:}"))"
    [ "$(df_field Images TotalCount)" = 3 ]
    [ "$(df_field Images Active)" = 2 ]
    # every layer on disk is counted once: in Images or in Build Cache
    mounts=$(bytes "$HIVE_ROOT"/cache/build/*/)
    near "Images + Build Cache layers" $(($(df_field Images RawSize) + $(df_field 'Build Cache' RawSize) - mounts)) "$(bytes "$HIVE_ROOT"/layers/*/diff)"
    # Build Cache: the layers only records hold, and the cache mount; nothing builds now: all reclaimable
    near "Build Cache size" "$(df_field 'Build Cache' RawSize)" $(($(bytes $(layer_dirs $cache_layers)) + mounts))
    [ "$mounts" -eq 30000 ]
    near "Build Cache reclaimable" "$(df_field 'Build Cache' RawReclaimable)" "$(df_field 'Build Cache' RawSize)"
    # Containers: every writable layer; reclaimable: the stopped ones'
    near "Containers size" "$(df_field Containers RawSize)" "$(bytes "$HIVE_ROOT"/containers/*/upper)"
    near "Containers reclaimable" "$(df_field Containers RawReclaimable)" "$(bytes "$(upper w1)" "$(upper w3)" "$(upper w4)")"
    [ "$(df_field Containers TotalCount)" = 4 ]
    [ "$(df_field Containers Active)" = 1 ]
    # Local Volumes: v1 (used by w2) and v2 (reclaimable)
    near "Volumes size" "$(df_field 'Local Volumes' RawSize)" "$(bytes "$HIVE_ROOT/volumes")"
    near "Volumes reclaimable" "$(df_field 'Local Volumes' RawReclaimable)" "$(bytes "$HIVE_ROOT/volumes/v2")"
    [ "$(bytes "$HIVE_ROOT/volumes/v2")" -eq 60000 ]

    # -v: each object's own row
    run_hive 0 system df -v --format '{{range .Images}}I|{{.ID}}|{{.RawSize}}|{{.RawSharedSize}}|{{.Containers}}{{"\n"}}{{end}}{{range .Containers}}C|{{.Names}}|{{.RawSize}}|{{.LocalVolumes}}{{"\n"}}{{end}}{{range .Volumes}}V|{{.Name}}|{{.RawSize}}|{{.Links}}{{"\n"}}{{end}}{{range .BuildCache}}B|{{.ID}}|{{.RawSize}}|{{.CacheType}}{{"\n"}}{{end}}'
    verbose=$output
    [ "$(grep -c '^I|' <<< "$verbose")" -eq 3 ]
    [ "$(grep -c '^C|' <<< "$verbose")" -eq 4 ]
    [ "$(grep -c '^V|' <<< "$verbose")" -eq 2 ]
    [ "$(grep -c '^B|' <<< "$verbose")" -ge 4 ]
    busybox_layer=$(hive image inspect -f '{{index .RootFS.Layers 0}}' busybox)
    while IFS='|' read -r kind name size shared count; do
        case $kind in
        I)  near "image $name" "$size" "$(bytes $(layer_dirs $(sql "SELECT DISTINCT chain_id FROM image_layers WHERE image_id = '${name#sha256:}'")))"
            ;;
        C)  near "container $name" "$size" "$(bytes "$(upper "$name")")" ;;
        V)  near "volume $name" "$size" "$(bytes "$HIVE_ROOT/volumes/$name")" ;;
        B)  if [ "$shared" = exec.cachemount ]; then
                near "cache mount $name" "$size" "$(bytes "$HIVE_ROOT/cache/build/${name%\*}"*/)"
            else
                layer=$(sql "SELECT layer FROM build_records WHERE key LIKE '$name%'")
                near "build record $name" "$size" "$(bytes $(layer_dirs $layer))"
            fi ;;
        esac
    done <<< "$verbose"
    # big:1 shares busybox's layer (SHARED SIZE) and uses one container; extra shares nothing
    big=$(hive image inspect -f '{{.Id}}' big:1)
    grep -q "^I|$big|[0-9]*|$(bytes $(layer_dirs "${busybox_layer#sha256:}"))|1$" <<< "$verbose"
    grep -q "^I|$(hive image inspect -f '{{.Id}}' extra:1)|[0-9]*|0|0$" <<< "$verbose"
    grep -q '^C|w2|20000|1$' <<< "$verbose"
    grep -q '^V|v1|40000|1$' <<< "$verbose"
}

@test "system df -v: Docker's four sections, columns and headers" {
    import_run_base
    hive run --network none --name s1 -v vol:/v busybox sh -c 'head -c 3000 /dev/zero > /f'
    run_hive 0 system df -v
    [ "${lines[0]}" = "Images space usage:" ]
    [[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
    [[ "${lines[2]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +[0-9.]+[kM]B\ +0B\ +[0-9.]+[kM]B\ +1$ ]]
    [ "${lines[3]}" = "Containers space usage:" ]
    [[ "${lines[4]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +LOCAL\ VOLUMES\ +SIZE\ +CREATED\ +STATUS\ +NAMES$ ]]
    [[ "${lines[5]}" =~ ^[0-9a-f]{12}\ +busybox\ +\"sh\ [^\"]*\"\ +1\ +3kB\ +.*\ ago\ +Exited\ \(0\)\ .*\ ago\ +s1$ ]]
    [ "${lines[6]}" = "Local Volumes space usage:" ]
    [[ "${lines[7]}" =~ ^VOLUME\ NAME\ +LINKS\ +SIZE$ ]]
    [[ "${lines[8]}" =~ ^vol\ +1\ +0B$ ]]
    [ "${lines[9]}" = "Build cache usage: 0B" ]
    [[ "${lines[10]}" =~ ^CACHE\ ID\ +CACHE\ TYPE\ +SIZE\ +CREATED\ +LAST\ USED\ +USAGE\ +SHARED$ ]]
    [ "${#lines[@]}" -eq 11 ]
    # blank lines between the sections, as Docker prints them
    [ "$(hive system df -v | sed -n 2p)" = "" ]
    # the summary: Docker's truncated percent; json has Docker's string fields
    run_hive 0 system df --format json
    [[ "${lines[1]}" == *'"Type":"Containers"'* && "${lines[1]}" == *'"TotalCount":"1"'* && "${lines[1]}" == *'"Reclaimable":"3kB (100%)"'* ]]
    run_hive 0 system df -v --format json
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *'"Images":[{'* && "$output" == *'"Volumes":[{'* && "$output" == *'"BuildCache":[]'* ]]
    run_hive 125 system df -v --format '{{.Nope'
    [[ "$output" == *"template"* ]]
}
