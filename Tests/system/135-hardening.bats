#!/usr/bin/env bats
# The "low, still required" protections of issue #10, each tried as an
# attacker would: store permissions, ambiguous image documents
# (CVE-2021-41190), bounded container logs, policy/no-privileged, image
# VOLUME paths (CVE-2022-23648).
load helpers

teardown() { teardown_containers; }

# as an unprivileged host user (nobody)
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

@test "CVE-2021-41091: the store root and runroot are made 0700 (with a warning); other host users reach nothing" {
    chmod 0755 "$HIVE_ROOT" "$HIVE_RUNROOT"
    hive images >/dev/null 2>"$WORK/err"
    cat "$WORK/err"
    grep -qxF "hive: warning: $HIVE_ROOT was mode 0755; set to 0700" "$WORK/err"
    grep -qxF "hive: warning: $HIVE_RUNROOT was mode 0755; set to 0700" "$WORK/err"
    [ "$(stat -c %a "$HIVE_ROOT")" = 700 ]
    [ "$(stat -c %a "$HIVE_RUNROOT")" = 700 ]
    # fixed once: the next command has nothing to say
    hive images >/dev/null 2>"$WORK/err"
    [ ! -s "$WORK/err" ]

    # and whatever it was before: widen it again behind hive's back
    chmod 0777 "$HIVE_ROOT"
    import_run_base 2>"$WORK/err"
    grep -qxF "hive: warning: $HIVE_ROOT was mode 0777; set to 0700" "$WORK/err"
    hive volume create data >/dev/null
    hive run -d --name up -v data:/data busybox sh -c 'echo secret > /data/f; touch /upper-file; sleep 30' >/dev/null
    for _ in $(seq 50); do [ -f "$HIVE_ROOT/volumes/data/_data/f" ] && break; sleep 0.1; done
    id=$(hive ps -q --no-trunc --filter name=up)
    layer=$(ls -d "$HIVE_ROOT"/layers/*/diff | head -1)
    # root sees them all
    for p in "$HIVE_ROOT/hive.db" "$layer/bin/busybox" "$HIVE_ROOT/containers/$id/rootfs" "$HIVE_ROOT/containers/$id/upper/upper-file" \
             "$HIVE_ROOT/volumes/data/_data/f"; do
        stat "$p" >/dev/null
    done
    # nobody reaches none of them, nor lists the roots
    for p in "$HIVE_ROOT/hive.db" "$layer" "$layer/bin/busybox" "$HIVE_ROOT/containers/$id/rootfs" \
             "$HIVE_ROOT/containers/$id/upper/upper-file" "$HIVE_ROOT/volumes/data/_data" "$HIVE_ROOT/volumes/data/_data/f"; do
        run as_nobody stat -- "$p"
        echo "$p: $status $output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"Permission denied"* ]]
    done
    for d in "$HIVE_ROOT" "$HIVE_RUNROOT"; do
        run as_nobody ls -- "$d"
        echo "$d: $status $output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"Permission denied"* ]]
    done
    hive rm -f up >/dev/null
}

# A one-file layer for the crafted archives.
small_layer() {
    mkdir -p "$WORK/l"
    echo hello > "$WORK/l/hello"
    tar -C "$WORK/l" -cf "$WORK/layer.tar" hello
}

@test "load: the control archive of the CVE-2021-41190 cases loads" {
    small_layer
    python3 "$REPO/Tests/fixtures/mkbadoci.py" "$WORK/layer.tar" "$WORK/ok.tar" ok
    run_hive 0 load -i "$WORK/ok.tar"
    [[ "$output" == *"bad/oci:ok"* ]]
}

# load_refused MODE MESSAGE: the crafted archive is refused with MESSAGE, and the store holds nothing.
load_refused() {
    small_layer
    python3 "$REPO/Tests/fixtures/mkbadoci.py" "$WORK/layer.tar" "$WORK/bad.tar" "$1"
    run_hive 125 load -i "$WORK/bad.tar"
    echo "$output"
    [[ "$output" == *"$2"* ]]
    [ "${#lines[@]}" -eq 1 ]
    assert_store_empty
}

@test "CVE-2021-41190: an index.json that is also a manifest is refused" {
    load_refused index-and-manifest "index.json in $WORK/bad.tar is both an image index (it has manifests) and an image manifest (it has config or layers): refused as ambiguous"
}

@test "CVE-2021-41190: a manifest that is also an index is refused" {
    load_refused manifest-and-index "is both an image index (it has manifests) and an image manifest"
}

@test "CVE-2021-41190: a manifest whose mediaType says index is refused" {
    load_refused manifest-says-index "its media type application/vnd.oci.image.index.v1+json says image index, but the document is shaped as an image manifest"
}

@test "CVE-2021-41190: an index.json whose mediaType says manifest is refused" {
    load_refused index-says-manifest "index.json in $WORK/bad.tar: its media type application/vnd.oci.image.manifest.v1+json says image manifest, but the document is shaped as an image index"
}

@test "CVE-2021-41190: a manifest reached through an index-typed descriptor is refused" {
    load_refused descriptor-says-index "the descriptor's media type application/vnd.oci.image.index.v1+json says image index, but the document is shaped as an image manifest"
}

@test "CVE-2021-41190: an index reached through a manifest-typed descriptor is refused" {
    load_refused descriptor-says-manifest "the descriptor's media type application/vnd.oci.image.manifest.v1+json says image manifest, but the document is shaped as an image index"
}

@test "load: a manifest, config or layer whose size disagrees with its descriptor is refused" {
    load_refused size-manifest "bytes, but its descriptor says"
    load_refused size-config "bytes, but its descriptor says"
    load_refused size-layer "bytes, but its descriptor says"
    load_refused docker-size-layer "bytes, but its descriptor says"
}

@test "load: a config whose content disagrees with its digest is refused" {
    load_refused digest-config "does not match its digest"
}

# volume_image PATH: busybox whose config declares VOLUME PATH, loaded as localhost/bad/oci:volume (mkbadoci.py)
volume_image() {
    python3 "$REPO/Tests/fixtures/mkbadoci.py" "$(base_tar)" "$WORK/vol.tar" "volume:$1"
    hive load -i "$WORK/vol.tar" >/dev/null
}

# No volume holds anything of the host's /etc (busybox's /etc has no os-release).
assert_no_host_etc() {
    [ -e /etc/os-release ]
    run ls -A "$HIVE_ROOT/volumes"
    echo "volumes: $output"
    ! ls -R "$HIVE_ROOT/volumes" 2>/dev/null | grep -qx 'os-release'
}

@test "CVE-2022-23648: an image VOLUME \"\" is rejected" {
    volume_image ""
    run_hive 125 run --rm localhost/bad/oci:volume true
    [[ "$output" == *'the image declares an unsafe VOLUME ""'* ]]
    [ -z "$(hive ps -aq)" ]
    [ -z "$(hive volume ls -q)" ]
}

@test "CVE-2022-23648: an image VOLUME /proc/self/root/etc is rejected; the host /etc reaches no volume" {
    volume_image /proc/self/root/etc
    run_hive 125 run --rm localhost/bad/oci:volume sh -c 'ls /proc/self/root/etc/os-release; ls /proc/1/root/etc/os-release'
    [[ "$output" == *'the image declares an unsafe VOLUME "/proc/self/root/etc"'* ]]
    [ -z "$(hive ps -aq)" ]
    [ -z "$(hive volume ls -q)" ]
    assert_no_host_etc
    # nor through a user's mount request
    run_hive 125 run --rm -v /proc/self/cwd/x busybox true
    [[ "$output" == *"nothing may be mounted inside /proc"* ]]
}
