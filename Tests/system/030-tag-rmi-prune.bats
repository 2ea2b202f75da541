#!/usr/bin/env bats
# hive tag, rmi (untag vs delete), image prune; files go when nothing uses them.
load helpers

@test "tag adds a name; re-tagging moves it" {
    import_busybox
    hive tag busybox mine:v1
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [[ "$output" == *"mine:v1"* ]]
    printf 'x' > "$WORK/x"; tar -C "$WORK" -cf "$WORK/x.tar" x
    hive import "$WORK/x.tar" other:1 >/dev/null
    hive tag other:1 mine:v1
    [ "$(hive images -q mine:v1)" = "$(hive images -q other:1)" ]
    run_hive 125 tag nothere:1 x:1
    [[ "$output" == *'image "nothere:1" not found locally'* ]]
    run_hive 125 tag busybox 'Bad:Name'
    [[ "$output" == *"invalid reference format"* ]]
}

@test "rmi of one of several tags only untags" {
    import_busybox
    hive tag busybox mine:v1
    run_hive 0 rmi mine:v1
    [ "$output" = "Untagged: mine:v1" ]
    [ "$(hive images -q | wc -l)" -eq 1 ]
    run_hive 0 rmi busybox
    [[ "${lines[0]}" == "Untagged: busybox:latest" ]]
    [[ "${lines[1]}" =~ ^Deleted:\ sha256:[0-9a-f]{64}$ ]]
    assert_store_empty
}

@test "rmi by ID needs -f when several tags point at it" {
    import_busybox
    hive tag busybox mine:v1
    id=$(hive images -q busybox)
    run_hive 1 rmi "$id"
    [[ "$output" == *"unable to delete $id (must be forced) - image is referenced in multiple repositories"* ]]
    run_hive 0 rmi -f "$id"
    [[ "$output" == *"Untagged: busybox:latest"* ]]
    [[ "$output" == *"Untagged: mine:v1"* ]]
    [[ "$output" == *"Deleted: sha256:$id"* ]]
    assert_store_empty
}

@test "rmi of several names reports each failure and goes on" {
    import_busybox
    hive tag busybox a:1
    run_hive 1 rmi a:1 missing:1 busybox
    [[ "$output" == *"Untagged: a:1"* ]]
    [[ "$output" == *'image "missing:1" not found locally'* ]]
    [[ "$output" == *"Deleted: sha256:"* ]]
    assert_store_empty
}

@test "rmi by ambiguous or unknown prefix fails clearly" {
    run_hive 1 rmi 0123
    [[ "$output" == *'image "0123" not found locally'* ]]
}

@test "a layer shared by two images stays until the last one goes" {
    import_busybox a:1
    hive import --change 'CMD ["true"]' "$(base_tar)" b:1 >/dev/null
    [ "$(ls "$HIVE_ROOT/layers" | wc -l)" -eq 1 ]
    hive rmi a:1 >/dev/null
    [ "$(ls "$HIVE_ROOT/layers" | wc -l)" -eq 1 ]
    layer=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' b:1)
    [ -x "$layer/bin/busybox" ]
    hive rmi b:1 >/dev/null
    assert_store_empty
}

@test "image prune removes dangling images only; -a removes all unused" {
    import_busybox
    printf 'x' > "$WORK/x"; tar -C "$WORK" -cf "$WORK/x.tar" x
    hive import "$WORK/x.tar" >/dev/null
    run_hive 0 image prune -f
    [[ "$output" == *"Deleted Images:"* ]]
    [[ "$output" == *"deleted: sha256:"* ]]
    [[ "$output" == *"Total reclaimed space: 1B"* ]]
    [ "$(hive images -q | wc -l)" -eq 1 ]
    run_hive 0 image prune -f
    [ "$output" = "Total reclaimed space: 0B" ]
    echo n | hive image prune -a
    [ "$(hive images -q | wc -l)" -eq 1 ]
    run_hive 0 image prune -af
    [[ "$output" == *"untagged: busybox:latest"* ]]
    assert_store_empty
}
