#!/usr/bin/env bats
# hive import: files, stdin, compression, --change, references.
load helpers

@test "import a tar file prints the image ID; the ID is the config digest" {
    run_hive 0 import "$(base_tar)" busybox
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    id=${output#sha256:}
    [ -f "$HIVE_ROOT/blobs/sha256/$id" ]
    [ "$(sha256sum < "$HIVE_ROOT/blobs/sha256/$id" | cut -d' ' -f1)" = "$id" ]
    run_hive 0 images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    [ "$output" = "busybox:latest ${id:0:12}" ]
}

@test "import from stdin, gzip and zstd give the same layer" {
    hive import - a:1 < "$(base_tar)" >/dev/null
    gzip -c "$(base_tar)" > "$WORK/base.tar.gz"
    zstd -q -c "$(base_tar)" > "$WORK/base.tar.zst"
    hive import "$WORK/base.tar.gz" b:1 >/dev/null
    hive import "$WORK/base.tar.zst" c:1 >/dev/null
    la=$(hive image inspect -f '{{json .RootFS.Layers}}' a:1)
    [ "$la" = "$(hive image inspect -f '{{json .RootFS.Layers}}' b:1)" ]
    [ "$la" = "$(hive image inspect -f '{{json .RootFS.Layers}}' c:1)" ]
    [ "$(ls "$HIVE_ROOT/layers" | wc -l)" -eq 1 ]
}

@test "import --change sets the config; -m sets the comment" {
    hive import -m "my base" \
        --change 'CMD ["sh", "-c", "echo hi"]' \
        --change 'ENTRYPOINT /bin/env' \
        --change 'ENV A=1 B="two words"' \
        --change 'LABEL team=core tier=base' \
        --change 'EXPOSE 80 53/udp' \
        --change 'WORKDIR /srv' \
        --change 'USER nobody' \
        --change 'STOPSIGNAL SIGINT' \
        --change 'VOLUME /data' \
        "$(base_tar)" cfg:1 >/dev/null
    run_hive 0 image inspect -f '{{json .Config.Cmd}}|{{json .Config.Entrypoint}}|{{json .Config.Env}}|{{.Config.Labels.team}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.Config.StopSignal}}|{{.Comment}}' cfg:1
    [ "$output" = '["sh","-c","echo hi"]|["/bin/sh","-c","/bin/env"]|["A=1","B=two words"]|core|/srv|nobody|SIGINT|my base' ]
    run_hive 0 image inspect -f '{{json .Config.ExposedPorts}} {{json .Config.Volumes}}' cfg:1
    [ "$output" = '{"53/udp":{},"80/tcp":{}} {"/data":{}}' ]
}

@test "import without a reference makes a dangling image" {
    run_hive 0 import "$(base_tar)"
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "<none>:<none>" ]
}

@test "import errors: missing file, bad reference, bad change, URL, empty input" {
    run_hive 125 import /nonexistent.tar x
    [[ "$output" == *"cannot open /nonexistent.tar: No such file or directory"* ]]
    run_hive 125 import "$(base_tar)" 'UPPER/Case'
    [[ "$output" == *"invalid reference format"* ]]
    run_hive 125 import --change 'RUN make' "$(base_tar)" x
    [[ "$output" == *"unsupported instruction RUN"* ]]
    run_hive 125 import https://example.com/rootfs.tar x
    [[ "$output" == *"not supported"* ]]
    run_hive 125 import - x < /dev/null
    [[ "$output" == *"standard input"* ]]
    assert_store_empty
}

@test "references are normalised like Docker's" {
    import_busybox
    hive tag busybox docker.io/library/busybox:1
    hive tag busybox index.docker.io/library/busybox:2
    hive tag busybox localhost:5000/team/app:v1
    hive tag busybox user/app
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [[ "$output" == *"busybox:1"* ]]
    [[ "$output" == *"busybox:2"* ]]
    [[ "$output" == *"localhost:5000/team/app:v1"* ]]
    [[ "$output" == *"user/app:latest"* ]]
    [[ "$output" != *"docker.io"* ]]
}
