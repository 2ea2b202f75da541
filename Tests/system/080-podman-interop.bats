#!/usr/bin/env bats
# Real interop with Debian's podman, on a podman store private to each test.
load helpers

podman_() {
    podman --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay "$@"
}

setup() {
    export HIVE_ROOT=$(mktemp -d /tmp/hive-test.XXXXXX)
    export HIVE_RUNROOT=$(mktemp -d /tmp/hive-run.XXXXXX)
    WORK=$(mktemp -d /tmp/hive-work.XXXXXX)
    command -v podman >/dev/null || skip "podman is not installed (make test-deps installs it)"
    grep -q default_ulimits /etc/containers/containers.conf 2>/dev/null ||
        skip "/etc/containers/containers.conf lacks default_ulimits (make test-deps installs Tests/fixtures/containers.conf)"
}

teardown() {
    podman_ rm -af >/dev/null 2>&1 || true
    podman_ rmi -af >/dev/null 2>&1 || true
    umount "$WORK/podman-root/overlay" 2>/dev/null || true
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK"
}

@test "an image saved by hive loads into podman with the same ID and runs there" {
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive save -o "$WORK/bb.tar" busybox
    run podman_ load -i "$WORK/bb.tar"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "sha256:$(podman_ image inspect -f '{{.Id}}' busybox)" = "$id" ]
    [ "$(podman_ image inspect -f '{{.RootFS.Layers}}' busybox)" = "[$(hive image inspect -f '{{index .RootFS.Layers 0}}' busybox)]" ]
    run podman_ run --rm busybox echo ok
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "$output" = "ok" ]
}

@test "archives written by podman save (docker-archive and oci-archive) load in hive with the same ID and layers" {
    podman_ import --change 'CMD ["sh"]' "$(base_tar)" localhost/pod/base:1 >/dev/null
    want_id=sha256:$(podman_ image inspect -f '{{.Id}}' localhost/pod/base:1)
    want_layers=$(podman_ image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' localhost/pod/base:1)
    podman_ save --format docker-archive -o "$WORK/d.tar" localhost/pod/base:1
    podman_ save --format oci-archive -o "$WORK/o.tar" localhost/pod/base:1
    for f in d o; do
        run_hive 0 load -i "$WORK/$f.tar"
        [[ "$output" == *"Loaded image: localhost/pod/base:1"* ]]
        [ "$(hive images -q --no-trunc localhost/pod/base:1)" = "$want_id" ]
        [ "$(hive image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' localhost/pod/base:1)" = "$want_layers" ]
        [ "$(hive image inspect -f '{{json .Config.Cmd}}' localhost/pod/base:1)" = '["sh"]' ]
        hive rmi localhost/pod/base:1 >/dev/null
        assert_store_empty
    done
}
