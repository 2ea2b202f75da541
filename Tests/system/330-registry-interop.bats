#!/usr/bin/env bats
# Registry interop (issue #12) with the real peers: hive's pushes read by
# skopeo and podman, podman's and skopeo's pushes pulled by hive, a multi-arch
# index made by `podman manifest`, and docker-registry's garbage-collect after
# hive's pushes. Registries: Debian's docker-registry on 127.0.0.1 (plain
# HTTP), started by each test; podman on a store private to the test.
load helpers
load registry

eval "$(declare -f setup | sed '1s/^setup/hive_setup/')"
eval "$(declare -f teardown | sed '1s/^teardown/hive_teardown/')"

setup() {
    hive_setup
    # no credentials of this machine's user leak into a test
    export DOCKER_CONFIG=$WORK/docker-config HIVE_AUTH_FILE=$WORK/hive-auth.json
    mkdir -p "$DOCKER_CONFIG" && echo '{}' > "$DOCKER_CONFIG/config.json"   # podman and skopeo want it to exist
    command -v podman >/dev/null || skip "podman is not installed (make test-deps installs it)"
    command -v docker-registry >/dev/null || skip "docker-registry is not installed (make test-deps installs it)"
    grep -q default_ulimits /etc/containers/containers.conf 2>/dev/null ||
        skip "/etc/containers/containers.conf lacks default_ulimits (make test-deps installs Tests/fixtures/containers.conf)"
}

teardown() {
    podman_ rm -af >/dev/null 2>&1 || true
    podman_ rmi -af >/dev/null 2>&1 || true
    podman_ manifest rm localhost/multi:1 >/dev/null 2>&1 || true
    umount "$WORK/podman-root/overlay" 2>/dev/null || true
    hive_teardown
}

podman_() {
    podman --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay "$@"
}

# The digest hive push printed (`TAG: digest: sha256:... size: N`).
pushed_digest() {
    grep -o 'digest: sha256:[0-9a-f]\{64\}' <<<"$1" | tail -1 | cut -d' ' -f2
}

# The manifest digest skopeo sees for a reference.
remote_digest() {
    skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"
}

# A one-file layer tar (content $2) at $1: images whose layers differ.
small_tar() {
    mkdir -p "$WORK/t-$2"
    echo "$2" > "$WORK/t-$2/what"
    tar -C "$WORK/t-$2" -cf "$1" .
}

@test "hive push: skopeo inspects it by tag and by the digest hive printed; podman pulls and runs it" {
    registry_start
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive tag busybox "$REGISTRY/interop/bb:1"
    run_hive 0 push "$REGISTRY/interop/bb:1"
    digest=$(pushed_digest "$output")
    [ -n "$digest" ] || { echo "no digest in: $output"; return 1; }
    [ "$(remote_digest "$REGISTRY/interop/bb:1")" = "$digest" ]
    # by digest: the bytes hash to it and name hive's image (ID = config digest)
    skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/interop/bb@$digest" > "$WORK/m.json"
    [ "sha256:$(sha256sum < "$WORK/m.json" | cut -d' ' -f1)" = "$digest" ]
    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"])' "$WORK/m.json")" = "$id" ]
    run skopeo inspect --tls-verify=false --format '{{.Architecture}} {{len .Layers}}' "docker://$REGISTRY/interop/bb@$digest"
    [ "$status" -eq 0 ] && [ "$output" = "amd64 1" ] || { echo "$output"; return 1; }
    # push records the RepoDigest
    run_hive 0 image inspect -f '{{json .RepoDigests}}' busybox
    [[ "$output" == *"\"$REGISTRY/interop/bb@$digest\""* ]] || { echo "$output"; return 1; }
    run podman_ pull -q --tls-verify=false "$REGISTRY/interop/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "sha256:$(podman_ image inspect -f '{{.Id}}' "$REGISTRY/interop/bb:1")" = "$id" ]
    run podman_ run --rm "$REGISTRY/interop/bb:1" echo ok-from-hive
    [ "$status" -eq 0 ] && [ "$output" = "ok-from-hive" ] || { echo "$output"; return 1; }
    run podman_ pull -q --tls-verify=false "$REGISTRY/interop/bb@$digest"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "hive's gzip layers are one gzip member per MiB: gzip, Python, podman, and hive's own load and pull read them whole" {
    registry_start
    import_run_base
    c=$WORK/ctx; mkdir -p "$c"
    head -c 3000000 /dev/urandom > "$c/noise"
    seq 1 600000 > "$c/count"
    printf 'FROM busybox\nCOPY noise count /data/\n' > "$c/Dockerfile"
    hive build -q -t "$REGISTRY/members:1" "$c" >/dev/null
    want=$(cd "$c" && sha256sum noise count)
    run_hive 0 push -q "$REGISTRY/members:1"
    # every layer: gzip -t, Python (member by member and whole) and gzip -dc agree and give a diffID; the big one is several members
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/members:1" "oci:$WORK/oci:x"
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/members:1" "oci-archive:$WORK/members.tar:$REGISTRY/members:1"
    m=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"][7:]; print(d)' "$WORK/oci")
    layers=$(python3 -c 'import json,sys; print(" ".join(l["digest"][7:] for l in json.load(open(sys.argv[1]))["layers"]))' "$WORK/oci/blobs/sha256/$m")
    diffs=$(hive image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$REGISTRY/members:1")
    most=0
    for l in $layers; do
        b=$WORK/oci/blobs/sha256/$l
        gzip -t "$b"
        n=$(python3 "$REPO/Tests/fixtures/gzip-members.py" "$b")
        [ "$n" -gt "$most" ] && most=$n
        [[ " $diffs " == *" sha256:$(gzip -dc "$b" | sha256sum | cut -c1-64) "* ]] || { echo "layer $l does not unpack to a diffID of: $diffs"; return 1; }
    done
    [ "$most" -ge 3 ] || { echo "the largest layer has $most gzip members"; return 1; }
    run podman_ run -q --rm --tls-verify=false "$REGISTRY/members:1" sh -c 'cd /data && sha256sum noise count'
    [ "$status" -eq 0 ] && [ "$output" = "$want" ] || { echo "$output"; return 1; }
    # hive's own readers, with no layer already present: load, then pull
    hive rmi -f "$REGISTRY/members:1" busybox >/dev/null
    hive builder prune -af >/dev/null    # the build's cache keeps its layers, as BuildKit's does
    assert_store_empty
    run_hive 0 load -i "$WORK/members.tar"
    run_hive 0 run --rm "$REGISTRY/members:1" sh -c 'cd /data && sha256sum noise count'
    [ "$output" = "$want" ]
    hive rmi -f "$REGISTRY/members:1" >/dev/null
    assert_store_empty
    run_hive 0 pull -q "$REGISTRY/members:1"
    run_hive 0 run --rm "$REGISTRY/members:1" sh -c 'cd /data && sha256sum noise count'
    [ "$output" = "$want" ]
}

@test "podman push -> hive pull -> hive run: the same image ID, RepoDigests, the reference printed last" {
    registry_start
    podman_ import --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]' \
        "$(base_tar)" "$REGISTRY/pod/base:1" >/dev/null
    want=sha256:$(podman_ image inspect -f '{{.Id}}' "$REGISTRY/pod/base:1")
    run podman_ push --tls-verify=false "$REGISTRY/pod/base:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    digest=$(remote_digest "$REGISTRY/pod/base:1")
    run_hive 0 pull "$REGISTRY/pod/base:1"
    [ "${lines[-1]}" = "$REGISTRY/pod/base:1" ] || { echo "$output"; return 1; }
    [[ "$output" == *"Digest: $digest"* ]] || { echo "$output"; return 1; }
    [ "$(hive images -q --no-trunc "$REGISTRY/pod/base:1")" = "$want" ]
    run_hive 0 image inspect -f '{{json .RepoDigests}}' "$REGISTRY/pod/base:1"
    [[ "$output" == *"\"$REGISTRY/pod/base@$digest\""* ]] || { echo "$output"; return 1; }
    run_hive 0 run --rm "$REGISTRY/pod/base:1" echo from-podman
    [ "$output" = "from-podman" ]
    # the pulled image pushed back to its registry keeps its digest
    run_hive 0 push "$REGISTRY/pod/base:1"
    [ "$(pushed_digest "$output")" = "$digest" ] || { echo "$output"; return 1; }
}

@test "skopeo copy into the registry -> hive pull by digest; a digest the registry lacks fails and leaves nothing" {
    registry_start
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive save -o "$WORK/bb.tar" busybox
    hive rmi busybox >/dev/null
    assert_store_empty
    run skopeo copy -q --dest-tls-verify=false "docker-archive:$WORK/bb.tar" "docker://$REGISTRY/sk/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    digest=$(remote_digest "$REGISTRY/sk/bb:1")
    run_hive 0 pull "$REGISTRY/sk/bb@$digest"
    [ "$(hive image inspect -f '{{.Id}}' "$REGISTRY/sk/bb@$digest")" = "$id" ]
    run_hive 0 image inspect -f '{{json .RepoDigests}}' "$id"
    [[ "$output" == *"\"$REGISTRY/sk/bb@$digest\""* ]] || { echo "$output"; return 1; }
    hive rmi -f "$id" >/dev/null
    assert_store_empty
    missing=sha256:$(printf 'no such manifest' | sha256sum | cut -d' ' -f1)
    run_hive 1 pull "$REGISTRY/sk/bb@$missing"
    [[ "$output" == *"manifest unknown"* ]] || { echo "$output"; return 1; }
    assert_store_empty
}

@test "a multi-arch index made by podman manifest: hive pull takes amd64, --platform linux/arm64 the other, an absent platform is refused" {
    registry_start
    podman_ import --arch amd64 --change 'CMD ["sh"]' "$(base_tar)" localhost/multi-amd64 >/dev/null
    small_tar "$WORK/arm.tar" arm64-layer
    podman_ import --arch arm64 --variant v8 --change 'CMD ["sh"]' "$WORK/arm.tar" localhost/multi-arm64 >/dev/null
    amd=sha256:$(podman_ image inspect -f '{{.Id}}' localhost/multi-amd64)
    arm=sha256:$(podman_ image inspect -f '{{.Id}}' localhost/multi-arm64)
    [ "$amd" != "$arm" ]
    podman_ manifest create localhost/multi:1 >/dev/null
    podman_ manifest add localhost/multi:1 containers-storage:localhost/multi-amd64:latest >/dev/null
    podman_ manifest add localhost/multi:1 containers-storage:localhost/multi-arm64:latest >/dev/null
    run podman_ manifest push --all --tls-verify=false localhost/multi:1 "docker://$REGISTRY/multi:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    n=$(skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/multi:1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["manifests"]))')
    [ "$n" -eq 2 ]
    run_hive 0 pull "$REGISTRY/multi:1"
    [ "$(hive image inspect -f '{{.Architecture}}' "$REGISTRY/multi:1")" = "amd64" ]
    [ "$(hive images -q --no-trunc "$REGISTRY/multi:1")" = "$amd" ]
    run_hive 0 pull --platform linux/arm64 "$REGISTRY/multi:1"
    [ "$(hive image inspect -f '{{.Architecture}}' "$REGISTRY/multi:1")" = "arm64" ]
    [ "$(hive images -q --no-trunc "$REGISTRY/multi:1")" = "$arm" ]
    before=$(hive images -aq --no-trunc | sort | tr '\n' ' ')
    run_hive 1 pull --platform linux/s390x "$REGISTRY/multi:1"
    [[ "$output" == *"linux/s390x"* && "$output" == *"linux/amd64"* ]] || { echo "$output"; return 1; }
    [ "$(hive images -aq --no-trunc | sort | tr '\n' ' ')" = "$before" ]
}

@test "docker-registry garbage-collect after hive's pushes keeps them pullable by hive and podman" {
    registry_start
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive tag busybox "$REGISTRY/gc/bb:1"
    run_hive 0 push "$REGISTRY/gc/bb:1"
    # an image whose only tag is then moved: garbage for the collector
    small_tar "$WORK/old.tar" old-layer
    hive import "$WORK/old.tar" "$REGISTRY/gc/tmp:1" >/dev/null
    run_hive 0 push "$REGISTRY/gc/tmp:1"
    old=$(pushed_digest "$output")
    hive tag busybox "$REGISTRY/gc/tmp:1"
    run_hive 0 push "$REGISTRY/gc/tmp:1"
    registry_stop "$REGISTRY_PID"
    run docker-registry garbage-collect --delete-untagged "$REGISTRY_DIR/config.yml"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [[ "$output" == *"eligible for deletion"* ]] || { echo "$output"; return 1; }
    registry_restart
    run skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/gc/tmp@$old"
    [ "$status" -ne 0 ]
    hive rmi -f $(hive images -aq | sort -u) >/dev/null
    assert_store_empty
    for ref in gc/bb:1 gc/tmp:1; do
        run_hive 0 pull -q "$REGISTRY/$ref"
        [ "$(hive images -q --no-trunc "$REGISTRY/$ref")" = "$id" ]
        run_hive 0 run --rm "$REGISTRY/$ref" echo ok
        run podman_ pull -q --tls-verify=false "$REGISTRY/$ref"
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    done
    run podman_ run --rm "$REGISTRY/gc/bb:1" echo ok-after-gc
    [ "$output" = "ok-after-gc" ]
}
