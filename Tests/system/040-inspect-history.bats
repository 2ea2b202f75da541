#!/usr/bin/env bats
# hive image inspect / inspect and hive history.
load helpers

@test "image inspect prints Docker-compatible JSON" {
    import_busybox
    run_hive 0 image inspect busybox
    echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and len(d) == 1
i = d[0]
for k in ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Config", "Architecture", "Os", "Size", "GraphDriver", "RootFS", "Metadata"]:
    assert k in i, k
assert i["Id"].startswith("sha256:") and len(i["Id"]) == 71
assert i["RepoTags"] == ["busybox:latest"], i["RepoTags"]
assert i["RepoDigests"] == [], i["RepoDigests"]  # as Docker: only a registry (pull, push) gives an image RepoDigests
assert i["Config"]["Cmd"] == ["sh"]
assert i["RootFS"]["Type"] == "layers" and len(i["RootFS"]["Layers"]) == 1
assert i["Os"] == "linux"
'
}

@test "inspect by ID prefix, full ID and sha256: form; --format" {
    import_busybox
    id=$(hive images -q --no-trunc)
    short=$(hive images -q)
    for name in "$short" "${id#sha256:}" "$id" "${short:0:4}"; do
        run_hive 0 inspect --format '{{.Id}}' "$name"
        [ "$output" = "$id" ]
    done
    run_hive 0 image inspect -f '{{index .RepoTags 0}}' busybox
    [ "$output" = "busybox:latest" ]
}

@test "inspect of a missing image fails with 1 and names it; others still print" {
    import_busybox
    run_hive 1 image inspect busybox nothere
    [[ "$output" == *'"Id"'* ]]
    [[ "$output" == *'image "nothere" not found locally (hive images lists them)'* ]]
}

@test "history shows the layer and the import comment" {
    hive import -m "from a tarball" "$(base_tar)" busybox >/dev/null
    run_hive 0 history busybox
    [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
    [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ .*MB\ +from\ a\ tarball$ ]]
    run_hive 0 history --format '{{.Size}}|{{.Comment}}' -H=false busybox
    [[ "$output" =~ ^[0-9]+\|from\ a\ tarball$ ]]
    run_hive 0 history -q busybox
    [[ "$output" =~ ^[0-9a-f]{12}$ ]]
}

@test "history of an image with several history entries marks older ones <missing>" {
    python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" none "$WORK/oci.tar" >/dev/null
    hive load -i "$WORK/oci.tar" >/dev/null
    run_hive 0 history --format '{{.ID}} {{.CreatedBy}}' localhost/oci/test:none
    [[ "$output" =~ ^[0-9a-f]{12}\ mkoci.py$ ]]
}
