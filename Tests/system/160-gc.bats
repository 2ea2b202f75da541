#!/usr/bin/env bats
# Cleanup: system df, system prune, image prune filters, the gc policy
# (dangling, min/max age, keep, container TTL, disk watermarks on a small
# tmpfs), pre-prune hooks, and the race with a concurrent run.
load helpers

teardown() {
    # created containers hold cgroups on the host: remove them, not just the store
    [ -f "$HIVE_ROOT/hive.db" ] && { hive rm -f $(hive ps -aq 2>/dev/null) >/dev/null 2>&1 || true; }
    mountpoint -q "$WORK/small" 2>/dev/null && umount "$WORK/small"
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF"
}

# distinct_image NAME SIZE_MB: an image with its own layer of random bytes.
distinct_image() {
    mkdir -p "$WORK/img-$1"
    head -c "$(( $2 * 1024 * 1024 ))" /dev/urandom > "$WORK/img-$1/data"
    tar -C "$WORK/img-$1" -cf "$WORK/img-$1.tar" data
    hive import "$WORK/img-$1.tar" "$1" >/dev/null
    rm -rf "$WORK/img-$1" "$WORK/img-$1.tar"
}

@test "system df counts images, containers and volumes with what is reclaimable" {
    import_run_base
    hive import "$(base_tar)" other >/dev/null
    hive run -v data:/data --name c1 busybox sh -c 'head -c 100000 /dev/zero > /data/f; head -c 50000 /dev/zero > /f'
    run_hive 0 system df
    [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
    [[ "${lines[1]}" =~ ^Images\ +2\ +1\ + ]]
    [[ "${lines[2]}" =~ ^Containers\ +1\ +0\ +50kB\ +50kB\ \(100%\)$ ]]
    [[ "${lines[3]}" =~ ^Local\ Volumes\ +1\ +1\ +100kB\ +0B ]]
    [[ "${lines[4]}" =~ ^Build\ Cache\ +0\ +0\ +0B\ +0B$ ]]
    run_hive 0 system df --format '{{.Type}}={{.TotalCount}}'
    [ "$output" = "$(printf 'Images=2\nContainers=1\nLocal Volumes=1\nBuild Cache=0')" ]
}

@test "system prune removes stopped containers, dangling or unused images, anonymous volumes" {
    import_run_base
    hive run --name done -v /anon busybox true
    hive run -d --name up busybox sleep 30 >/dev/null
    hive import "$(base_tar)" >/dev/null   # dangling
    hive import --change 'LABEL x=1' "$(base_tar)" spare >/dev/null
    run_hive 0 system prune -f
    [[ "$output" == *"Deleted Containers:"* ]]
    [[ "$output" == *"Deleted Images:"* ]]
    [ "$(hive ps -a --format '{{.Names}}')" = "up" ]
    [ "$(hive images -q | wc -l)" -eq 2 ]
    [ "$(hive volume ls -q | wc -l)" -eq 1 ]
    run_hive 0 system prune -a -f --volumes
    [ "$(hive images --format '{{.Repository}}')" = "busybox" ]
    [ -z "$(hive volume ls -q)" ]
    hive rm -f up >/dev/null
    # label filters limit what goes
    hive run --name keepme -l keep=1 busybox true
    hive run --name goes busybox true
    run_hive 0 system prune -f --filter label=keep=1
    [ "$(hive ps -a --format '{{.Names}}')" = "goes" ]
}

@test "image prune: last-used<DURATION and keep=N" {
    import_run_base
    for v in 1 2 3; do hive import --change "LABEL v=$v" "$(base_tar)" app:$v >/dev/null; sleep 1.1; done
    hive create app:1 true >/dev/null
    hive rm -f $(hive ps -aq) >/dev/null    # app:1 was used just now
    run_hive 0 image prune -a -f --filter 'last-used<1h'
    [[ "$output" == *"Total reclaimed space: 0B"* ]]
    [ "$(hive images -q | wc -l)" -eq 4 ]
    run_hive 0 image prune -a -f --filter keep=1
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 busybox:latest " ]
    run_hive 125 image prune -a -f --filter 'last-used<soon'
    [[ "$output" == *'invalid filter "last-used<soon"'* ]]
}

@test "system gc: dangling, max_age, keep, min_age, container TTL; dry run and json" {
    import_run_base
    hive import "$(base_tar)" >/dev/null    # dangling
    for v in 1 2 3; do hive import --change "LABEL v=$v" "$(base_tar)" app:$v >/dev/null; sleep 1.1; done
    hive run --name exited busybox true
    printf '[gc]\nmin_age = "0s"\nkeep = 2\ncontainer_ttl = "1s"\n' > "$HIVE_CONFIG"
    sleep 1.2
    run_hive 0 system gc --dry-run
    [[ "$output" == *"would remove container exited"*"container_ttl"* ]]
    [[ "$output" == *"would remove image <none>"*"dangling"* ]]
    [[ "$output" == *"would remove image app:1"*"beyond keep=2"* ]]
    [[ "$output" != *"app:2"* && "$output" != *"app:3"* ]]
    run_hive 0 system gc --dry-run --format json
    [ "$(echo "$output" | grep -c '"Type":"image"')" -eq 2 ]
    run_hive 0 system gc
    [ -z "$(hive ps -aq)" ]
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "app:2 app:3 busybox:latest " ]
    # min_age protects recently added images; max_age removes old unused ones
    printf '[gc]\nmin_age = "1h"\nmax_age = "2h"\n' > "$HIVE_CONFIG"
    hive import "$(base_tar)" >/dev/null
    run_hive 0 system gc --dry-run
    [ "${lines[0]}" = "nothing to remove" ]
    [[ "$output" == *"below high_watermark 85%"* ]]
    [[ "$output" == *"4 used or added within min_age 1h"* ]]
    printf '[gc]\nmin_age = "0s"\nmax_age = "1s"\n' > "$HIVE_CONFIG"
    hive create --name pin app:3 true >/dev/null
    run_hive 0 system gc
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "app:3" ]
    printf '[gc]\nkeep = "x"\n' > "$HIVE_CONFIG"
    run_hive 125 system gc
    [[ "$output" == *"gc.keep must be an integer"* ]]
}

@test "system gc: above the high watermark, least recently used images go until below the low one" {
    mkdir -p "$WORK/small"
    mount -t tmpfs -o size=40m tmpfs "$WORK/small"
    export HIVE_ROOT=$WORK/small/root
    for i in 1 2 3 4; do distinct_image app$i 3; sleep 1.1; done
    hive create app4 true >/dev/null    # used: most recent; and pinned
    hive create app3 true >/dev/null
    printf '[gc]\nmin_age = "0s"\nhigh_watermark = 85\nlow_watermark = 75\n' > "$HIVE_CONFIG"
    run_hive 0 system gc --dry-run
    [ "${lines[0]}" = "nothing to remove" ]    # below the high watermark: nothing to do, and it says why
    [[ "${lines[1]}" =~ ^disk\ [0-9]+%\ used:\ below\ high_watermark\ 85% ]]
    [[ "$output" == *"2 used by containers"* ]]
    used() { df --output=pcent "$WORK/small" | tail -1 | tr -dc 0-9; }
    fill=$(( (40 * 88 / 100) * 1024 - $(df --output=used -k "$WORK/small" | tail -1) ))
    head -c "$(( fill * 1024 ))" /dev/zero > "$WORK/small/filler"
    [ "$(used)" -ge 85 ]
    run_hive 0 system gc --dry-run
    [[ "$output" == *"would remove image app1:latest"*"disk above high_watermark"* ]]
    run_hive 0 system gc
    [ "$(used)" -lt 85 ]
    run_hive 0 images --format '{{.Repository}}'
    [[ "$output" != *"app1"* ]]
    [[ "$output" == *"app3"* && "$output" == *"app4"* ]]
}

@test "pre-prune hooks keep candidates and add others; removals fire on-remove" {
    import_run_base
    hive import "$(base_tar)" >/dev/null                 # dangling: a candidate
    hive import --change 'LABEL x=1' "$(base_tar)" precious >/dev/null
    hive import --change 'LABEL x=2' "$(base_tar)" extra >/dev/null
    hive run --name c1 busybox true
    add_hook 10-prune.lua <<'EOF'
hive.on("pre-prune", function(c)
  local out = {}
  for _, cand in ipairs(c.candidates) do
    if cand.name ~= "c1" then table.insert(out, cand) end   -- keep container c1
  end
  local img = hive.image("extra")
  if img then table.insert(out, {type = "image", id = img.id, reason = "site says so"}) end
  c.candidates = out
end)
hive.on("on-remove", function(c) hive.log.warn("removed " .. c.type .. " " .. (c.name or c.tags[1] or c.id)) end)
EOF
    run_hive 0 system prune -f
    [[ "$output" == *"removed image extra:latest"* ]]
    [ "$(hive ps -a --format '{{.Names}}')" = "c1" ]
    run_hive 0 images --format '{{.Repository}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "busybox precious " ]
    # a hook that fails denies the prune: nothing is removed
    echo 'hive.on("pre-prune", function(c) error("no pruning today") end)' | add_hook 20-deny.lua
    run_hive 125 system prune -a -f
    [[ "$output" == *"20-deny.lua:1 (pre-prune): no pruning today"* ]]
    [ "$(hive images -q | wc -l)" -eq 2 ]
}

@test "nothing in use is removed while runs start concurrently with prune and gc" {
    import_run_base
    printf '[gc]\nmin_age = "0s"\nmax_age = "1s"\n' > "$HIVE_CONFIG"
    for i in $(seq 1 12); do
        ( out=$("$HIVE" run -d busybox sleep 3 2>&1) || true; echo "$out" > "$WORK/run.$i" ) &
        if [ $((i % 2)) -eq 0 ]; then "$HIVE" image prune -a -f >/dev/null 2>&1 & else "$HIVE" system gc >/dev/null 2>&1 & fi
    done
    wait
    started=0
    for i in $(seq 1 12); do
        out=$(cat "$WORK/run.$i")
        if [[ "$out" =~ ^[0-9a-f]{64}$ ]]; then started=$((started + 1)); continue; fi
        # a run that began after the image was removed fails cleanly
        [[ "$out" == *'image "busybox" not found locally'* ]] || { echo "run $i: $out"; return 1; }
    done
    [ "$started" -ge 1 ] || skip "every run lost the race (the image was pruned first)"
    # every container's image is still there
    for id in $(hive ps -aq --no-trunc); do
        img=$(hive inspect --format '{{.Image}}' "$id")
        hive image inspect "$img" >/dev/null || { echo "container $id lost its image $img"; return 1; }
    done
    hive rm -f $(hive ps -aq) >/dev/null
}

@test "container prune and volume prune also ask pre-prune hooks" {
    import_run_base
    hive run --name keep-me busybox true
    hive run --name drop-me busybox true
    hive volume create v-keep >/dev/null
    hive volume create v-drop >/dev/null
    add_hook 10-keep.lua <<'EOT'
hive.on("pre-prune", function(c)
  local out = {}
  for _, x in ipairs(c.candidates) do
    if x.name ~= "keep-me" and x.name ~= "v-keep" then table.insert(out, x) end
  end
  hive.log.warn("reason " .. c.reason)
  c.candidates = out
end)
EOT
    run_hive 0 container prune -f
    [[ "$output" == *"reason container prune"* ]]
    [ "$(hive ps -a --format '{{.Names}}')" = "keep-me" ]
    run_hive 0 volume prune -a -f
    [[ "$output" == *"reason volume prune"* ]]
    [ "$(hive volume ls -q)" = "v-keep" ]
}
