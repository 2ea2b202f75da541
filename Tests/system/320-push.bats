#!/usr/bin/env bats
# hive push (issue #12) against Debian's docker-registry on loopback, checked
# with skopeo and podman (never with hive's own pull).
load helpers
load registry

podman_() {
    podman --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay "$@"
}

teardown() {
    if [ -d "$WORK/podman-root" ]; then
        podman_ rm -af >/dev/null 2>&1 || true
        podman_ rmi -af >/dev/null 2>&1 || true
        umount "$WORK/podman-root/overlay" 2>/dev/null || true
    fi
    servers_stop
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF"
}

# The raw manifest of $1 (REGISTRY/NAME:TAG).
raw_manifest() { skopeo inspect --tls-verify=false --raw "docker://$1"; }

# The blob files (layers, configs, manifests) the registry stores.
registry_blobs() { find "$REGISTRY_DIR/storage/docker/registry/v2/blobs" -name data | sort; }

# Validates the manifest in file $1 against the OCI image-manifest schema.
validate_manifest() {
    python3 - "$REPO/../shared/corpus/oci-image-spec-schema" "$1" <<'PY'
import json, os, sys
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
d, path = sys.argv[1], sys.argv[2]
reg, schemas = Registry(), {}
for n in os.listdir(d):
    if n.endswith(".json"):
        doc = json.load(open(os.path.join(d, n)))
        schemas[n] = doc
        r = Resource.from_contents(doc, default_specification=DRAFT4)
        reg = reg.with_resource("https://opencontainers.org/schema/image/" + n, r)
        if "id" in doc:
            reg = reg.with_resource(doc["id"], r)
errors = [e.message for e in Draft4Validator(schemas["image-manifest-schema.json"], registry=reg).iter_errors(json.load(open(path)))]
sys.exit("; ".join(errors)) if errors else None
PY
}

@test "push: an imported image reaches the registry as Docker shows it; skopeo and podman see it and podman runs it" {
    import_run_base
    registry_start
    hive tag busybox "$REGISTRY/hive/bb:1"
    id=$(hive images -q --no-trunc busybox)
    diff=$(hive image inspect -f '{{index .RootFS.Layers 0}}' busybox)
    run_hive 0 push "$REGISTRY/hive/bb:1"
    [ "${lines[0]}" = "The push refers to repository [$REGISTRY/hive/bb]" ]
    [[ "$output" == *"${diff:7:12}: Preparing"* ]]
    [[ "$output" == *"${diff:7:12}: Pushed"* ]]
    [[ "${lines[-1]}" =~ ^1:\ digest:\ sha256:[0-9a-f]{64}\ size:\ [0-9]+$ ]]
    digest=$(echo "${lines[-1]}" | cut -d' ' -f3)
    # Docker's manifest v2 schema 2 by default, gzip layers; the config is the image (same ID)
    raw_manifest "$REGISTRY/hive/bb:1" > "$WORK/m.json"
    [ "sha256:$(sha256sum < "$WORK/m.json" | cut -c1-64)" = "$digest" ]
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["mediaType"]=="application/vnd.docker.distribution.manifest.v2+json", m; assert m["config"]["mediaType"]=="application/vnd.docker.container.image.v1+json"; assert [l["mediaType"] for l in m["layers"]]==["application/vnd.docker.image.rootfs.diff.tar.gzip"], m; assert m["config"]["digest"]==sys.argv[2], m' "$WORK/m.json" "$id"
    validate_manifest "$WORK/m.json"
    run_hive 0 image inspect -f '{{json .RepoDigests}}' busybox
    [[ "$output" == *"\"$REGISTRY/hive/bb@$digest\""* ]]
    run skopeo inspect --tls-verify=false --format '{{.Digest}} {{len .Layers}}' "docker://$REGISTRY/hive/bb:1"
    [ "$status" -eq 0 ]
    [ "$output" = "$digest 1" ]
    # the layer's blob unpacks to the layer's diffID
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/hive/bb:1" "oci:$WORK/oci:x"
    layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' "$WORK/m.json")
    [ "sha256:$(gzip -dc "$WORK/oci/blobs/sha256/$layer" | sha256sum | cut -c1-64)" = "$diff" ]
    run podman_ pull -q --tls-verify=false "$REGISTRY/hive/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "sha256:$(podman_ image inspect -f '{{.Id}}' "$REGISTRY/hive/bb:1")" = "$id" ]
    run podman_ run --rm "$REGISTRY/hive/bb:1" echo pushed-ok
    [ "$status" -eq 0 ]
    [ "$output" = "pushed-ok" ]
    # the push is in the event log, with nothing secret
    run_hive 0 events --until 0s --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}'
    [[ "$output" == *"push $REGISTRY/hive/bb:1"* ]]
}

@test "push again: every layer already exists and nothing is uploaded; -q prints only the reference" {
    import_run_base
    registry_start --accesslog
    hive tag busybox "$REGISTRY/again:latest"
    run_hive 0 push "$REGISTRY/again"
    [ "${lines[0]}" = "Using default tag: latest" ]
    d1=$(echo "${lines[-1]}" | cut -d' ' -f3)
    registry_blobs > "$WORK/before"
    touch "$WORK/marker"; sleep 1
    requests=$(wc -l < "$REGISTRY_DIR/log")
    run_hive 0 push "$REGISTRY/again:latest"
    # the only write is the manifest's PUT
    tail -n +$((requests + 1)) "$REGISTRY_DIR/log" | grep -o '"\(POST\|PATCH\|PUT\) [^ ]*' > "$WORK/writes" || true
    [ "$(wc -l < "$WORK/writes")" = "1" ] && grep -q '"PUT /v2/again/manifests/latest' "$WORK/writes" || { cat "$WORK/writes"; return 1; }
    [[ "$output" == *": Layer already exists"* ]]
    [[ "$output" != *"Pushed"* && "$output" != *"Pushing"* ]]
    [ "$(echo "${lines[-1]}" | cut -d' ' -f3)" = "$d1" ]
    registry_blobs > "$WORK/after"
    diff "$WORK/before" "$WORK/after"
    # no blob was written again
    [ -z "$(find "$REGISTRY_DIR/storage/docker/registry/v2/blobs" -name data -newer "$WORK/marker")" ]
    run_hive 0 push -q "$REGISTRY/again:latest"
    [ "$output" = "$REGISTRY/again:latest" ]
    # --disable-content-trust (Docker's default) is taken; =false is refused before anything is sent
    run_hive 0 push -q --disable-content-trust "$REGISTRY/again:latest"
    run_hive 1 push --disable-content-trust=false "$REGISTRY/again:latest"
    [[ "$output" == *"--disable-content-trust=false is not supported"* ]]
}

@test "push to a second repository of the same registry mounts the layers" {
    import_run_base
    registry_start
    hive tag busybox "$REGISTRY/one/bb:1"
    hive tag busybox "$REGISTRY/two/bb:1"
    run_hive 0 push "$REGISTRY/one/bb:1"
    run_hive 0 push "$REGISTRY/two/bb:1"
    [[ "$output" == *": Mounted from one/bb"* ]]
    [[ "$output" != *"Pushed"* ]]
    run skopeo inspect --tls-verify=false --format '{{len .Layers}}' "docker://$REGISTRY/two/bb:1"
    [ "$status" -eq 0 ]
    [ "$output" = "1" ]
}

@test "--format oci writes OCI types that validate against the OCI schema; --compression-format zstd gives zstd layers podman runs" {
    import_run_base
    registry_start
    hive tag busybox "$REGISTRY/fmt:oci"
    hive tag busybox "$REGISTRY/fmt:zstd"
    run_hive 0 push --format oci "$REGISTRY/fmt:oci"
    raw_manifest "$REGISTRY/fmt:oci" > "$WORK/oci.json"
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["mediaType"]=="application/vnd.oci.image.manifest.v1+json"; assert m["config"]["mediaType"]=="application/vnd.oci.image.config.v1+json"; assert all(l["mediaType"]=="application/vnd.oci.image.layer.v1.tar+gzip" for l in m["layers"]), m' "$WORK/oci.json"
    validate_manifest "$WORK/oci.json"
    run_hive 0 push --compression-format zstd "$REGISTRY/fmt:zstd"
    raw_manifest "$REGISTRY/fmt:zstd" > "$WORK/zstd.json"
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["mediaType"]=="application/vnd.oci.image.manifest.v1+json"; assert all(l["mediaType"]=="application/vnd.oci.image.layer.v1.tar+zstd" for l in m["layers"]), m' "$WORK/zstd.json"
    validate_manifest "$WORK/zstd.json"
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/fmt:zstd" "oci:$WORK/z:x"
    layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' "$WORK/zstd.json")
    [ "$(zstd -dc "$WORK/z/blobs/sha256/$layer" | sha256sum | cut -c1-64)" = "$(hive image inspect -f '{{index .RootFS.Layers 0}}' busybox | cut -c8-)" ]
    run podman_ run -q --rm --tls-verify=false "$REGISTRY/fmt:zstd" echo zstd-ok
    [ "$status" -eq 0 ]
    [ "$output" = "zstd-ok" ]
    # zstd has no Docker media type
    run_hive 1 push --format v2s2 --compression-format zstd "$REGISTRY/fmt:zstd"
    [[ "$output" == *"needs --format oci"* ]]
    run_hive 1 push --format v3 "$REGISTRY/fmt:zstd"
    [ "$output" = 'hive: invalid --format "v3" (use oci or v2s2)' ]
    run_hive 1 push --compression-format lz4 "$REGISTRY/fmt:zstd"
    [ "$output" = 'hive: invalid --compression-format "lz4" (use gzip or zstd)' ]
}

@test "a multi-layer built image and a large random layer push (the large one in chunks); podman runs both" {
    import_run_base
    registry_start --accesslog
    c=$WORK/ctx; mkdir -p "$c"
    head -c 40000000 /dev/urandom > "$c/big.bin"
    printf 'FROM busybox\nRUN echo one > /one\nCOPY big.bin /big.bin\nRUN echo two > /two\n' > "$c/Dockerfile"
    hive build -q -t "$REGISTRY/built:1" "$c" >/dev/null
    [ "$(hive image inspect -f '{{len .RootFS.Layers}}' "$REGISTRY/built:1")" = "4" ]
    run_hive 0 push "$REGISTRY/built:1"
    [ "$(grep -c ': Pushed$' <<< "$output")" = "4" ]
    # the 40 MB layer went in several PATCH requests of one upload
    [ "$(grep -c '"PATCH /v2/built/blobs/uploads/' "$REGISTRY_DIR/log")" -ge 2 ]
    run skopeo inspect --tls-verify=false --format '{{len .Layers}}' "docker://$REGISTRY/built:1"
    [ "$status" -eq 0 ]
    [ "$output" = "4" ]
    run podman_ run -q --rm --tls-verify=false "$REGISTRY/built:1" sh -c 'cat /one /two; sha256sum /big.bin | cut -c1-64'
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ "${lines[0]}" = "one" ]
    [ "${lines[1]}" = "two" ]
    [ "${lines[2]}" = "$(sha256sum < "$c/big.bin" | cut -c1-64)" ]
}

@test "push failures: a missing image (Docker's words), a registry that wants a login, a digest; exit 1, nothing left in the store's tmp" {
    import_run_base
    registry_start --htpasswd alice:s3cret
    run_hive 1 push "$REGISTRY/nothere:1"
    [[ "$output" == *"An image does not exist locally with the tag: $REGISTRY/nothere"* ]]
    hive tag busybox "$REGISTRY/locked:1"
    run_hive 1 push "$REGISTRY/locked:1"
    [[ "$output" == *"hive: "* ]]
    [[ "$output" == *"auth"* || "$output" == *"login"* || "$output" == *"unauthorized"* ]]
    run_hive 1 push "$REGISTRY/locked@sha256:$(printf '%064d' 0)"
    [[ "$output" == *"not a digest"* ]]
    run_hive 1 push -a "$REGISTRY/locked:1"
    [ -z "$(ls "$HIVE_ROOT/tmp")" ]
}

@test "push -a pushes every tag of the repository; garbage-collect keeps the pushes pullable" {
    import_run_base
    registry_start
    hive tag busybox "$REGISTRY/all:a"
    hive tag busybox "$REGISTRY/all:b"
    run_hive 0 push -a "$REGISTRY/all"
    [[ "$output" == *"a: digest: sha256:"* ]]
    [[ "$output" == *"b: digest: sha256:"* ]]
    run skopeo list-tags --tls-verify=false "docker://$REGISTRY/all"
    [[ "$output" == *'"a"'* && "$output" == *'"b"'* ]]
    run docker-registry garbage-collect "$REGISTRY_DIR/config.yml"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    run podman_ run -q --rm --tls-verify=false "$REGISTRY/all:b" echo gc-ok
    [ "$status" -eq 0 ]
    [ "$output" = "gc-ok" ]
}

@test "push -> pull -> push: a pulled image pushed back uploads no layer and keeps its digest; to another repository it mounts, same digest" {
    import_run_base
    registry_start --accesslog
    hive tag busybox "$REGISTRY/round/bb:1"
    run_hive 0 push --format oci "$REGISTRY/round/bb:1"
    digest=$(echo "${lines[-1]}" | cut -d' ' -f3)
    hive rmi -f busybox "$REGISTRY/round/bb:1" >/dev/null
    run_hive 0 pull -q "$REGISTRY/round/bb:1"
    requests=$(wc -l < "$REGISTRY_DIR/log")
    run_hive 0 push "$REGISTRY/round/bb:1"
    [[ "$output" == *": Layer already exists"* && "$output" != *"Pushed"* ]]
    [ "$(echo "${lines[-1]}" | cut -d' ' -f3)" = "$digest" ]
    [ -z "$(tail -n +$((requests + 1)) "$REGISTRY_DIR/log" | grep '"\(POST\|PATCH\) ')" ]
    hive tag "$REGISTRY/round/bb:1" "$REGISTRY/round/copy:2"
    run_hive 0 push "$REGISTRY/round/copy:2"
    [[ "$output" == *": Mounted from round/bb"* ]]
    [ "$(echo "${lines[-1]}" | cut -d' ' -f3)" = "$digest" ]
    # asked for Docker's types, the manifest is new but the layer blob is the registry's already
    run_hive 0 push --format v2s2 "$REGISTRY/round/copy:2"
    [[ "$output" == *": Layer already exists"* ]]
    [ "$(echo "${lines[-1]}" | cut -d' ' -f3)" != "$digest" ]
    [ "$(raw_manifest "$REGISTRY/round/copy:2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mediaType"])')" = "application/vnd.docker.distribution.manifest.v2+json" ]
}

@test "push on a terminal redraws the layer lines with a bar" {
    import_run_base
    registry_start
    hive tag busybox "$REGISTRY/tty:1"
    run script -qec "$HIVE push $REGISTRY/tty:1" /dev/null
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [[ "$output" == *$'\e['*A* ]]
    [[ "$output" == *": Pushed"* ]]
    [[ "$output" == *"1: digest: sha256:"* ]]
}
