#!/usr/bin/env bats
# hive images: Docker's columns, flags, formats and filters.
load helpers

@test "images shows Docker's table" {
    import_busybox
    run_hive 0 images
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.*ago\ +[0-9.]+[kM]B$ ]]
}

@test "images -q, --no-trunc, --digests" {
    import_busybox
    hive tag busybox other:1
    run_hive 0 images -q
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" =~ ^[0-9a-f]{12}$ ]]
    run_hive 0 images -q --no-trunc
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    run_hive 0 images --digests
    [[ "${lines[0]}" == *DIGEST* ]]
    # an image no registry knows has no digest, as in Docker (pull and push give one: 310-pull)
    [[ "${lines[1]}" =~ ^busybox\ +latest\ +\<none\>\ + ]]
    run_hive 0 images
    [ "${#lines[@]}" -eq 3 ]
}

@test "images --format json, template and table template" {
    import_busybox
    run_hive 0 images --format json
    echo "$output" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Repository"]=="busybox" and d["Tag"]=="latest" and len(d["ID"])==12, d'
    run_hive 0 images --format '{{.ID}}\t{{.Repository}}'
    [[ "$output" =~ ^[0-9a-f]{12}$'\t'busybox$ ]]
    run_hive 0 images --format 'table {{.Repository}}\t{{.Size}}'
    [[ "${lines[0]}" =~ ^REPOSITORY\ +SIZE$ ]]
    run_hive 0 images --format '{{upper .Repository}} {{json .Tag}}'
    [ "$output" = 'BUSYBOX "latest"' ]
    run_hive 125 images --format '{{.Nope}}'
    [[ "$output" == *"can't evaluate field Nope"* ]]
    run_hive 125 images --format '{{.ID'
    [[ "$output" == *"template parsing error"* ]]
}

@test "images filters: dangling, reference, label, before, since" {
    hive import --change 'LABEL tier=base' "$(base_tar)" first:1 >/dev/null
    sleep 0.05
    printf 'x' > "$WORK/x"; tar -C "$WORK" -cf "$WORK/x.tar" x
    hive import --change 'LABEL tier=app' "$WORK/x.tar" second:1 >/dev/null
    sleep 0.05
    hive import "$WORK/x.tar" >/dev/null
    run_hive 0 images --filter dangling=true --format '{{.Repository}}'
    [ "$output" = "<none>" ]
    run_hive 0 images --filter dangling=false --format '{{.Repository}}'
    [ "${#lines[@]}" -eq 2 ]
    run_hive 0 images --filter 'reference=sec*' --format '{{.Repository}}'
    [ "$output" = "second" ]
    run_hive 0 images 'first' --format '{{.Repository}}'
    [ "$output" = "first" ]
    run_hive 0 images --filter label=tier=app --format '{{.Repository}}'
    [ "$output" = "second" ]
    run_hive 0 images --filter label=tier --format '{{.Repository}}'
    [ "${#lines[@]}" -eq 2 ]
    run_hive 0 images --filter before=second:1 --format '{{.Repository}}'
    [ "$output" = "first" ]
    run_hive 0 images --filter since=first:1 --filter dangling=false --format '{{.Repository}}'
    [ "$output" = "second" ]
    run_hive 125 images --filter color=red
    [[ "$output" == *"invalid filter 'color'"* ]]
    run_hive 125 images --filter before=missing:1
    [[ "$output" == *'image "missing:1" not found'* ]]
}

@test "images on an empty store prints only the header" {
    run_hive 0 images
    [ "${#lines[@]}" -eq 1 ]
}
