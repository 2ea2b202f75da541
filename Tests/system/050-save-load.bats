#!/usr/bin/env bats
# hive save / hive load: docker-archive + OCI layout, compression, verification.
load helpers

@test "save writes one tar that is both an OCI layout and a docker-archive" {
    import_busybox
    run_hive 0 save -o "$WORK/out.tar" busybox
    tar -tf "$WORK/out.tar" > "$WORK/list"
    grep -qx index.json "$WORK/list"
    grep -qx manifest.json "$WORK/list"
    grep -qx oci-layout "$WORK/list"
    tar -xOf "$WORK/out.tar" manifest.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m[0]["RepoTags"] == ["busybox:latest"], m
assert m[0]["Config"].startswith("blobs/sha256/")
'
    tar -xOf "$WORK/out.tar" index.json | python3 -c '
import json, sys
i = json.load(sys.stdin)
a = i["manifests"][0]["annotations"]
assert a["io.containerd.image.name"] == "docker.io/library/busybox:latest", a
assert a["org.opencontainers.image.ref.name"] == "latest", a
'
    # every blob is named by its digest
    mkdir "$WORK/x" && tar -C "$WORK/x" -xf "$WORK/out.tar"
    for b in "$WORK"/x/blobs/sha256/*; do
        [ "$(sha256sum < "$b" | cut -d' ' -f1)" = "$(basename "$b")" ]
    done
}

@test "the saved archive validates against the OCI schemas" {
    import_busybox
    hive save -o "$WORK/out.tar" busybox
    mkdir "$WORK/x" && tar -C "$WORK/x" -xf "$WORK/out.tar"
    python3 "$REPO/Tests/fixtures/validate_oci.py" "$REPO/../shared/corpus/oci-image-spec-schema" "$WORK/x"
}

@test "save then load into a fresh store gives the same image ID and layers" {
    import_busybox
    hive tag busybox mine:2
    id=$(hive images -q --no-trunc busybox)
    layers=$(hive image inspect -f '{{json .RootFS.Layers}}' busybox)
    hive save busybox mine:2 > "$WORK/out.tar"
    # a second store; the first (no containers) is not needed after the save
    old=$HIVE_ROOT; export HIVE_ROOT=$WORK/store2; rm -rf "$old"
    run_hive 0 load -i "$WORK/out.tar"
    [[ "$output" == *"Loaded image: busybox:latest"* ]]
    [[ "$output" == *"Loaded image: mine:2"* ]]
    [ "$(hive images -q --no-trunc busybox)" = "$id" ]
    [ "$(hive image inspect -f '{{json .RootFS.Layers}}' mine:2)" = "$layers" ]
    # loading twice is idempotent
    run_hive 0 load < "$WORK/out.tar"
    [ "$(hive images -q | wc -l)" -eq 1 ]
}

@test "save of an untagged image by ID loads as an ID" {
    hive import "$(base_tar)" >/dev/null
    id=$(hive images -q --no-trunc)
    hive save -o "$WORK/out.tar" "$id"
    # a second store; the first (no containers) is not needed after the save
    old=$HIVE_ROOT; export HIVE_ROOT=$WORK/store2; rm -rf "$old"
    run_hive 0 load -i "$WORK/out.tar"
    [ "$output" = "Loaded image ID: $id" ]
}

@test "load an OCI layout with plain, gzip and zstd layers; a gzipped archive too" {
    for c in none gzip zstd; do
        want=$(python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" $c "$WORK/$c.tar")
        run_hive 0 load -i "$WORK/$c.tar"
        [ "$output" = "Loaded image: localhost/oci/test:$c" ]
        [ "$(hive images -q --no-trunc localhost/oci/test:$c)" = "$want" ]
    done
    [ "$(ls "$HIVE_ROOT/layers" | wc -l)" -eq 1 ]
    gzip -c "$WORK/gzip.tar" > "$WORK/archive.tar.gz"
    hive rmi -f "$want" >/dev/null
    run_hive 0 load -i "$WORK/archive.tar.gz"
    [[ "$output" == *"localhost/oci/test:gzip"* ]]
    # the compressed blob is kept and saved as it was loaded
    hive save -o "$WORK/again.tar" localhost/oci/test:gzip
    tar -tf "$WORK/again.tar" | grep -q "$(tar -tf "$WORK/gzip.tar" | grep blobs/sha256/ | head -1)"
}

@test "load --platform: one platform of a multi-platform archive; an image for another platform is refused, nothing loaded" {
    read -r amd arm < <(python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" none "$WORK/multi.tar" multi)
    run_hive 0 load --platform linux/arm64 -i "$WORK/multi.tar"
    [ "$output" = "Loaded image: localhost/oci/test:multi" ]
    [ "$(hive images -q --no-trunc localhost/oci/test:multi)" = "$arm" ]
    [ "$(hive image inspect -f '{{.Architecture}} {{.Variant}}' localhost/oci/test:multi)" = "arm64 v8" ]
    run_hive 125 load --platform linux/s390x -i "$WORK/multi.tar"
    [[ "$output" == *"has no image for linux/s390x"* ]]
    # without --platform: the host's (this machine is amd64 or arm64; the fixture has both)
    hive rmi -f localhost/oci/test:multi >/dev/null
    run_hive 0 load -i "$WORK/multi.tar"
    want=$amd; [ "$(uname -m)" = aarch64 ] && want=$arm
    [ "$(hive images -q --no-trunc localhost/oci/test:multi)" = "$want" ]
    # a single-platform archive: --platform must match it (the OS alone means the host's architecture)
    one=$(python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" none "$WORK/one.tar")
    hive rmi -f localhost/oci/test:multi >/dev/null
    run_hive 125 load --platform linux/arm64 -i "$WORK/one.tar"
    [[ "$output" == *"is for linux/amd64, not linux/arm64 (--platform); nothing was loaded"* ]]
    [ -z "$(hive images -q)" ]
    run_hive 0 load --platform linux/amd64 -i "$WORK/one.tar"
    [ "$(hive images -q --no-trunc localhost/oci/test:none)" = "$one" ]
    run_hive 125 load --platform linux/arm64/v8/extra -i "$WORK/one.tar"
    [[ "$output" == *"invalid platform"* ]]
}

@test "load verifies every digest; a mismatch names the blob and stores nothing" {
    for mode in bad-blob bad-diffid missing-blob no-index; do
        python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" gzip "$WORK/$mode.tar" $mode >/dev/null
        run_hive 125 load -i "$WORK/$mode.tar"
        echo "$mode: $output"
        case $mode in
            bad-blob) [[ "$output" == *"blob sha256:"*"does not match its digest"* ]] ;;
            bad-diffid) [[ "$output" == *"layer blob sha256:"*"does not match diff_id"* ]] ;;
            missing-blob) [[ "$output" == *"missing"* ]] ;;
            no-index) [[ "$output" == *"neither a docker-archive"* ]] ;;
        esac
        assert_store_empty
    done
}

@test "load of garbage, a truncated archive or an empty stdin fails cleanly" {
    head -c 3000 /dev/urandom > "$WORK/garbage"
    run_hive 125 load -i "$WORK/garbage"
    [[ "$output" == *"garbage"* ]]
    import_busybox
    hive save -o "$WORK/out.tar" busybox
    hive rmi busybox >/dev/null
    head -c 100000 "$WORK/out.tar" > "$WORK/trunc.tar"
    run_hive 125 load -i "$WORK/trunc.tar"
    [[ "$output" == *"trunc.tar"* ]]
    run_hive 125 load -i /nonexistent.tar
    [[ "$output" == *"cannot open /nonexistent.tar"* ]]
    assert_store_empty
}

@test "save errors: unknown image; a failed save leaves no file" {
    run_hive 125 save -o "$WORK/out.tar" nothere
    [[ "$output" == *'image "nothere" not found locally'* ]]
    [ ! -e "$WORK/out.tar" ]
    [ -z "$(ls "$WORK")" ]
}

# The layer's exact tar is rebuilt from its files and a tar-split, not stored twice.
@test "an imported layer is not stored twice, and save rebuilds it byte for byte" {
    mkdir -p "$WORK/fs/d" && echo hello > "$WORK/fs/d/a" && echo world > "$WORK/fs/b" && ln "$WORK/fs/b" "$WORK/fs/hard"
    tar -C "$WORK/fs" -cf "$WORK/gnu.tar" .
    tar -C "$WORK/fs" --format=pax -cf "$WORK/pax.tar" .
    $MKTAR good "$WORK/good.tar"
    cp "$(base_tar)" "$WORK/base.tar"
    for t in gnu pax good base; do
        hive import "$WORK/$t.tar" "split:$t" >/dev/null
        diff_id=$(sha256sum < "$WORK/$t.tar" | cut -d' ' -f1)
        [ ! -e "$HIVE_ROOT/blobs/sha256/$diff_id" ] || { echo "$t: layer tar stored as a blob"; return 1; }
        hive save -o "$WORK/$t-saved.tar" "split:$t"
        [ "$(tar -xOf "$WORK/$t-saved.tar" "blobs/sha256/$diff_id" | sha256sum | cut -d' ' -f1)" = "$diff_id" ]
    done
}

@test "a layer whose tar cannot be rebuilt (duplicate entries) keeps its blob" {
    python3 - "$WORK/dup.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for data in (b"first", b"second"):
        i = tarfile.TarInfo("f"); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
    hive import "$WORK/dup.tar" dup:1 >/dev/null
    diff_id=$(sha256sum < "$WORK/dup.tar" | cut -d' ' -f1)
    [ -f "$HIVE_ROOT/blobs/sha256/$diff_id" ]
    [ "$(cat "$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' dup:1)/f")" = "second" ]
    hive save -o "$WORK/out.tar" dup:1
    [ "$(tar -xOf "$WORK/out.tar" "blobs/sha256/$diff_id" | sha256sum | cut -d' ' -f1)" = "$diff_id" ]
}

@test "save refuses a layer whose files were modified, and writes no archive" {
    import_busybox
    d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' busybox)
    echo tampered >> "$d/etc/passwd"
    run_hive 125 save -o "$WORK/out.tar" busybox
    [[ "$output" == *"no longer matches its digest"* ]]
    [ ! -e "$WORK/out.tar" ]
    [ -z "$(ls "$WORK" | grep -v '^x$' || true)" ]
}

@test "a compressed layer keeps its compressed blob; an uncompressed one is rebuilt" {
    python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" gzip "$WORK/gz.tar" >/dev/null
    hive load -i "$WORK/gz.tar" >/dev/null
    gz=$(tar -tf "$WORK/gz.tar" | grep blobs/sha256/ | while read -r b; do
        [ "$(tar -xOf "$WORK/gz.tar" "$b" | head -c 2 | od -An -tx1 | tr -d ' ')" = 1f8b ] && echo "${b#blobs/sha256/}"; done)
    [ -f "$HIVE_ROOT/blobs/sha256/$gz" ]
    python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" none "$WORK/plain.tar" >/dev/null
    rm -rf "$HIVE_ROOT"   # the same config in both archives: the same image; start afresh
    hive load -i "$WORK/plain.tar" >/dev/null
    diff_id=$(sha256sum < "$(base_tar)" | cut -d' ' -f1)
    [ ! -e "$HIVE_ROOT/blobs/sha256/$diff_id" ]
    hive save -o "$WORK/out.tar" localhost/oci/test:none
    [ "$(tar -xOf "$WORK/out.tar" "blobs/sha256/$diff_id" | sha256sum | cut -d' ' -f1)" = "$diff_id" ]
}
