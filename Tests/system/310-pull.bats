#!/usr/bin/env bats
# hive pull, and the pulls run/create and build make (issue #12), against
# Debian's docker-registry on 127.0.0.1 (registry.bash). Images are put into
# the registry with skopeo from archives a separate seed store saves.

load helpers
load registry

# The seed archives (made once per file): busybox (one layer) and app
# (busybox + one layer), with their image IDs in $BATS_FILE_TMPDIR/*.id.
seed_archives() {
    local d=$BATS_FILE_TMPDIR/seed
    [ -f "$d/app.tar" ] && return 0
    mkdir -p "$d/ctx"
    (
        export HIVE_ROOT=$d/root HIVE_RUNROOT=$d/run
        "$HIVE" import --change 'CMD ["sh"]' "$(base_tar)" busybox:latest >/dev/null
        echo "pulled app layer" > "$d/ctx/hello.txt"
        printf 'FROM busybox\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n' > "$d/ctx/Dockerfile"
        "$HIVE" build -q -t app "$d/ctx" >/dev/null
        "$HIVE" save busybox -o "$d/busybox.tar"
        "$HIVE" save app -o "$d/app.tar"
        "$HIVE" image inspect --format '{{.Id}}' busybox > "$d/busybox.id"
        "$HIVE" image inspect --format '{{.Id}}' app > "$d/app.id"
    )
}

# push_seed NAME REPO:TAG: copies a seed archive into the test's registry.
push_seed() {
    seed_archives
    skopeo copy --insecure-policy --quiet --dest-tls-verify=false \
        "docker-archive:$BATS_FILE_TMPDIR/seed/$1.tar" "docker://$REGISTRY/$2" >/dev/null
}

seed_id() { cat "$BATS_FILE_TMPDIR/seed/$1.id"; }

# manifest_digest REPO TAG: the registry's digest of a v2s2 manifest.
manifest_digest() {
    curl -sfI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REGISTRY/v2/$1/manifests/$2" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}

@test "pull by tag: Docker's output, the image runs, RepoDigests, the pull event, second pull up to date" {
    registry_start
    push_seed busybox busybox:latest
    run_hive 0 pull "$REGISTRY/busybox"
    [[ "${lines[0]}" == "Using default tag: latest" ]]
    [[ "${lines[1]}" == "latest: Pulling from busybox" ]]
    [[ "$output" == *": Pulling fs layer"* ]]
    [[ "$output" == *": Pull complete"* ]]
    [[ "$output" == *"Status: Downloaded newer image for $REGISTRY/busybox:latest"* ]]
    [ "${lines[-1]}" = "$REGISTRY/busybox:latest" ]
    local digest; digest=$(manifest_digest busybox latest)
    [[ "$output" == *"Digest: $digest"* ]]
    # the image ID is the config digest: the same image the seed store made
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/busybox")" = "$(seed_id busybox)" ]
    [ "$(hive image inspect --format '{{json .RepoDigests}}' "$REGISTRY/busybox")" = "[\"$REGISTRY/busybox@$digest\"]" ]
    # images --digests: the repository's digest (#15)
    [ "$(hive images --format '{{.Digest}}' "$REGISTRY/busybox")" = "$digest" ]
    [ "$(hive run --rm "$REGISTRY/busybox" echo pulled)" = "pulled" ]
    # by digest, through repo_digests
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/busybox@$digest")" = "$(seed_id busybox)" ]
    hive events --until 0s --filter type=image | grep -q "pull $REGISTRY/busybox:latest"
    # the compressed blobs are not kept: only config and manifest
    [ "$(ls "$HIVE_ROOT/blobs/sha256" | wc -l)" -eq 2 ]
    run_hive 0 pull "$REGISTRY/busybox:latest"
    [[ "$output" == *"Status: Image is up to date for $REGISTRY/busybox:latest"* ]]
    [[ "$output" != *"Pulling fs layer"* ]]
}

@test "pull by digest; -q prints only the reference; a pulled image saves, loads, rmi's and prunes" {
    registry_start
    push_seed app app:1
    local digest; digest=$(manifest_digest app 1)
    run_hive 0 pull -q "$REGISTRY/app@$digest"
    [ "$output" = "$REGISTRY/app@$digest" ]
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/app@$digest")" = "$(seed_id app)" ]
    # no tag from a pull by digest
    [ -z "$(hive images -q "$REGISTRY/app")" ] || [ "$(hive image inspect --format '{{len .RepoTags}}' "$(seed_id app)")" = "0" ]
    hive tag "$(seed_id app)" app:copy
    [ "$(hive run --rm app:copy)" = "pulled app layer" ]
    hive history app:copy >/dev/null
    hive system df >/dev/null
    # save rebuilds the layers' tars (the compressed blobs were not kept); another store loads it
    hive save app:copy -o "$WORK/app.tar"
    (export HIVE_ROOT=$WORK/other HIVE_RUNROOT=$WORK/other-run; "$HIVE" load -i "$WORK/app.tar" >/dev/null
     [ "$("$HIVE" image inspect --format '{{.Id}}' app:copy)" = "$(seed_id app)" ])
    hive rmi -f app:copy >/dev/null
    hive image prune -af >/dev/null
    assert_store_empty
}

@test "pull of an image whose base layer is stored: Already exists" {
    registry_start
    push_seed busybox busybox:latest
    push_seed app app:latest
    hive pull -q "$REGISTRY/busybox" >/dev/null
    run_hive 0 pull "$REGISTRY/app"
    [ "$(grep -c ': Already exists' <<<"$output")" -eq 1 ]
    [ "$(grep -c ': Pull complete' <<<"$output")" -eq 1 ]
    [ "$(hive run --rm "$REGISTRY/app")" = "pulled app layer" ]
}

@test "a missing tag: exit 1 naming the reference, nothing left in the store" {
    registry_start
    push_seed busybox busybox:latest
    run_hive 1 pull "$REGISTRY/busybox:nosuchtag"
    [[ "$output" == *"manifest unknown"* || "$output" == *"not found"* ]]
    [[ "$output" == *"busybox:nosuchtag"* ]]
    run_hive 1 pull "$REGISTRY/nosuchrepo"
    assert_store_empty
    # bad input is a usage failure
    run_hive 1 pull --platform linux "$REGISTRY/busybox"
    [[ "$output" == *"invalid platform"* ]]
    # Docker's --disable-content-trust (true by default) is taken; =false, a verification hive cannot do, is refused
    run_hive 1 pull --disable-content-trust=false "$REGISTRY/busybox"
    [[ "$output" == *"--disable-content-trust=false is not supported"* ]]
    assert_store_empty
    run_hive 0 pull -q --disable-content-trust "$REGISTRY/busybox"
}

@test "run pulls a missing image (--pull missing); --pull never fails; --pull always checks" {
    registry_start
    push_seed app app:latest
    run_hive 125 run --rm --pull never "$REGISTRY/app"
    [[ "$output" == *"No such image"* ]]
    run --separate-stderr "$HIVE" run --rm "$REGISTRY/app"
    [ "$status" -eq 0 ]
    [ "$output" = "pulled app layer" ]
    [[ "$stderr" == *"Unable to find image '$REGISTRY/app:latest' locally"* ]]
    [[ "$stderr" == *"Status: Downloaded newer image for $REGISTRY/app:latest"* ]]
    run --separate-stderr "$HIVE" run --rm --pull always "$REGISTRY/app"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"Status: Image is up to date for $REGISTRY/app:latest"* ]]
    # create pulls too
    hive rmi -f "$REGISTRY/app" >/dev/null
    run_hive 0 create --pull missing "$REGISTRY/app"
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/app")" = "$(seed_id app)" ]
    run_hive 125 run --rm --pull sometimes "$REGISTRY/app"
    [[ "$output" == *"invalid --pull value"* ]]
}

@test "build pulls a missing FROM image; build --pull checks again; scratch and stages are not pulled" {
    registry_start
    push_seed busybox busybox:latest
    mkdir -p "$WORK/ctx"
    printf 'FROM %s/busybox AS base\nFROM base\nRUN echo built > /b\nFROM scratch\nCOPY --from=1 /b /b\n' "$REGISTRY" > "$WORK/ctx/Dockerfile"
    run_hive 0 build -q -t built "$WORK/ctx"
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/busybox")" = "$(seed_id busybox)" ]
    hive events --until 0s --filter type=image | grep -c "pull $REGISTRY/busybox:latest" | grep -qx 1
    run_hive 0 build -q --pull -t built "$WORK/ctx"
    [ "$(hive events --until 0s --filter type=image | grep -c "pull $REGISTRY/busybox:latest")" -eq 2 ]
    run_hive 125 build -q "$WORK/nonesuch" 2>/dev/null || true
    printf 'FROM %s/busybox:nosuchtag\n' "$REGISTRY" > "$WORK/ctx/Dockerfile"
    run_hive 125 build -q "$WORK/ctx"
    [[ "$output" == *"base image"*"nosuchtag"* ]]
}

@test "pre-pull hooks rewrite and deny; post-pull sees the digest" {
    registry_start
    push_seed busybox real:latest
    add_hook pull.lua <<EOF
hive.on("pre-pull", function(c)
  if c.reference:find("forbidden") then hive.deny("forbidden images are not pulled here") end
  c.reference = c.reference:gsub("/alias:", "/real:")
end)
hive.on("post-pull", function(c)
  hive.log.warn("post-pull " .. c.reference .. " " .. c.digest .. " " .. tostring(c.up_to_date))
end)
EOF
    run_hive 0 pull "$REGISTRY/alias:latest"
    [[ "$output" == *"Downloaded newer image for $REGISTRY/real:latest"* ]]
    [[ "$output" == *"post-pull $REGISTRY/real:latest $(manifest_digest real latest) false"* ]]
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/real")" = "$(seed_id busybox)" ]
    run_hive 1 pull "$REGISTRY/forbidden:latest"
    [[ "$output" == *"forbidden images are not pulled here"* ]]
    # the implicit pull of run goes through the hooks too
    run_hive 125 run --rm "$REGISTRY/forbidden:latest" true
    [[ "$output" == *"forbidden images are not pulled here"* ]]
}

@test "pull -a pulls every tag" {
    registry_start
    push_seed busybox multi:one
    push_seed app multi:two
    run_hive 0 pull -a "$REGISTRY/multi"
    [ "${lines[-1]}" = "$REGISTRY/multi" ]
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/multi:one")" = "$(seed_id busybox)" ]
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/multi:two")" = "$(seed_id app)" ]
    run_hive 1 pull -a "$REGISTRY/multi:one"
}

@test "--platform selects from a multi-arch index; no match lists what it has" {
    registry_start
    push_seed busybox plat:amd
    push_seed app plat:arm
    local a b sa sb
    a=$(manifest_digest plat amd); b=$(manifest_digest plat arm)
    sa=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY/v2/plat/manifests/amd" | wc -c)
    sb=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY/v2/plat/manifests/arm" | wc -c)
    local mt=application/vnd.docker.distribution.manifest.v2+json
    printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
        "$mt" "$a" "$sa" "$mt" "$b" "$sb" > "$WORK/index.json"
    curl -sf -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' \
        --data-binary @"$WORK/index.json" "http://$REGISTRY/v2/plat/manifests/latest" >/dev/null
    local index; index=$(sha256sum "$WORK/index.json" | cut -d' ' -f1)
    run_hive 0 pull "$REGISTRY/plat"
    [[ "$output" == *"Digest: sha256:$index"* ]]
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/plat")" = "$(seed_id busybox)" ]
    # RepoDigests name the index, as Docker's do
    [ "$(hive image inspect --format '{{json .RepoDigests}}' "$REGISTRY/plat")" = "[\"$REGISTRY/plat@sha256:$index\"]" ]
    run_hive 0 pull -q --platform linux/arm64 "$REGISTRY/plat"
    [ "$(hive image inspect --format '{{.Id}}' "$REGISTRY/plat")" = "$(seed_id app)" ]
    run_hive 1 pull --platform linux/s390x "$REGISTRY/plat"
    [[ "$output" == *"no image for linux/s390x"*"linux/amd64, linux/arm64/v8"* ]]
}

@test "manifest inspect: a manifest as the registry serves it, an index as Docker prints it, -v; nothing is pulled" {
    registry_start
    push_seed busybox mi:amd
    push_seed app mi:arm
    local a b sa sb mt=application/vnd.docker.distribution.manifest.v2+json
    a=$(manifest_digest mi amd); b=$(manifest_digest mi arm)
    sa=$(curl -sf -H "Accept: $mt" "http://$REGISTRY/v2/mi/manifests/amd" | wc -c)
    sb=$(curl -sf -H "Accept: $mt" "http://$REGISTRY/v2/mi/manifests/arm" | wc -c)
    printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
        "$mt" "$a" "$sa" "$mt" "$b" "$sb" > "$WORK/index.json"
    curl -sf -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' \
        --data-binary @"$WORK/index.json" "http://$REGISTRY/v2/mi/manifests/latest" >/dev/null
    canon() { python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
    # a manifest: the registry's document, its key order kept, indented with tabs (Docker's json.Indent)
    run_hive 0 manifest inspect "$REGISTRY/mi:amd"
    [ "$(canon <<<"$output")" = "$(curl -sf -H "Accept: $mt" "http://$REGISTRY/v2/mi/manifests/amd" | canon)" ]
    [ "${lines[1]}" = $'\t"schemaVersion": 2,' ]
    # an index: each entry's descriptor and platform, three-space indents (Docker's manifest list form)
    run_hive 0 manifest inspect "$REGISTRY/mi"
    [ "${lines[1]}" = '   "schemaVersion": 2,' ]
    [ "$(python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["mediaType"], [m["digest"] for m in v["manifests"]] == sys.argv[1:3], v["manifests"][1]["platform"])' "$a" "$b" <<<"$output")" = \
      "application/vnd.docker.distribution.manifest.list.v2+json True {'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}" ]
    # -v: per entry the reference, the descriptor with its platform, the raw bytes and the manifest
    run_hive 0 manifest inspect -v "$REGISTRY/mi"
    [ "$(python3 -c '
import base64, hashlib, json, sys
v = json.load(sys.stdin)
print(len(v), v[1]["Descriptor"]["platform"]["variant"], "sha256:" + hashlib.sha256(base64.b64decode(v[0]["Raw"])).hexdigest() == sys.argv[1],
      v[0]["Descriptor"]["digest"] == sys.argv[1], "SchemaV2Manifest" in v[0], v[0]["Ref"].endswith("/mi:latest"))' "$a" <<<"$output")" = "2 v8 True True True True" ]
    # -v of one manifest: the platform comes from its config
    run_hive 0 manifest inspect -v "$REGISTRY/mi:amd"
    [ "$(python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["Descriptor"]["platform"]["os"], v["Descriptor"]["size"])' <<<"$output")" = "linux $sa" ]
    # nothing was pulled
    [ -z "$(hive images -q)" ]
    run_hive 1 manifest inspect "$REGISTRY/mi:nosuch"
    [[ "$output" == *"mi:nosuch"* ]]
    run_hive 1 manifest inspect "$REGISTRY/mi" "$REGISTRY/mi:amd"
    [[ "$output" == *"hive keeps no local manifest lists"* ]]
}
