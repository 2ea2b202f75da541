#!/usr/bin/env bats
# A build context or a base image cannot reach the host (issue #10,
# "Build contexts reach the host"): every path in the context, an image or
# the layer being written is resolved inside that root, symlinks included
# (an absolute target means the root's own path, as in BuildKit), nothing is
# written through a symlink, and FIFOs are never opened.
load helpers

ctx() { mkdir -p "$WORK/ctx"; echo "$WORK/ctx"; }

# A host directory with a canary file, and a fingerprint of it (listing, contents, mtimes).
host_canary() {
    mkdir -p "$WORK/host/$1"
    echo "HOST-SECRET-$1" > "$WORK/host/$1/canary"
    touch -d '2020-01-02 03:04:05' "$WORK/host/$1/canary" "$WORK/host/$1"
}
fingerprint() { (cd "$WORK/host" && find . -exec stat -c '%n %s %Y %a' {} + | sort; cat $(find . -type f | sort)); }

@test "COPY x/canary with x -> a host directory does not copy the host's file" {
    import_run_base
    c=$(ctx)
    host_canary dir
    ln -s "$WORK/host/dir" "$c/x"
    printf 'FROM busybox\nCOPY x/canary /stolen\n' > "$c/Dockerfile"
    run_hive 125 build -q -t t1 "$c"
    [[ "$output" == *'"/x/canary" not found in the build context'* ]]
    [[ "$output" != *HOST-SECRET* ]]
    # the same symlink means that path inside the context, as BuildKit resolves it
    mkdir -p "$c/$WORK/host/dir" && echo "context copy" > "$c/$WORK/host/dir/canary"
    run_hive 0 build -q -t t1 "$c"
    run_hive 0 run --rm t1 cat /stolen
    [ "$output" = "context copy" ]
    # a wildcard through the symlink sees the context's directory too
    printf 'FROM busybox\nCOPY x/can* /w/\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t1w "$c"
    [ "$(hive run --rm t1w cat /w/canary)" = "context copy" ]
}

@test "COPY a b /dst/ with a/sub -> a host directory writes nothing on the host" {
    import_run_base
    c=$(ctx)
    host_canary target
    before=$(fingerprint)
    mkdir -p "$c/a" "$c/b/sub"
    ln -s "$WORK/host/target" "$c/a/sub"
    echo planted > "$c/b/sub/evil"
    printf 'FROM busybox\nCOPY a b /dst/\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t2 "$c"
    [ ! -e "$WORK/host/target/evil" ]
    [ "$(fingerprint)" = "$before" ]
    # the link is copied as a link; what went "through" it landed inside the image
    run_hive 0 run --rm t2 sh -c "readlink /dst/sub; cat '$WORK/host/target/evil'"
    [ "$output" = "$(printf '%s\nplanted' "$WORK/host/target")" ]
}

@test "an absolute symlink in the context means the context's own path (l -> /etc is <context>/etc)" {
    import_run_base
    c=$(ctx)
    mkdir -p "$c/etc"
    echo "the context's passwd" > "$c/etc/passwd"
    ln -s /etc "$c/l"
    ln -s ../../../../../../../etc/passwd "$c/up"
    printf 'FROM busybox\nCOPY l/passwd /x\nCOPY up /y\nCOPY l /z/\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t3 "$c"
    run_hive 0 run --rm t3 sh -c 'cat /x /y /z/passwd'
    [ "$output" = "$(printf "the context's passwd\nthe context's passwd\nthe context's passwd")" ]
}

@test "COPY into a directory that is a symlink in the base image writes inside the image, never the host" {
    import_run_base
    c=$(ctx)
    host_canary dst
    before=$(fingerprint)
    echo "copied" > "$c/hive-133-file"
    tar -C "$c" -cf "$c/arch.tar" hive-133-file
    cat > "$c/Dockerfile" <<EOF
FROM busybox
RUN ln -s /etc /dst && ln -s / /rootlink && ln -s $WORK/host/dst /hostlink && mkdir -p /real && ln -s ../real /rel
COPY hive-133-file /dst/
COPY hive-133-file /rootlink/
COPY hive-133-file /hostlink/
COPY hive-133-file /hostlink/deeper/
COPY hive-133-file /rel/
WORKDIR /hostlink/wd
ADD arch.tar /hostlink/unpacked/
EOF
    run_hive 0 build -q -t t4 "$c"
    [ "$(fingerprint)" = "$before" ]
    [ ! -e /etc/hive-133-file ]
    [ ! -e /hive-133-file ]
    run_hive 0 run --rm t4 sh -c "cat /etc/hive-133-file /hive-133-file '$WORK/host/dst/hive-133-file' '$WORK/host/dst/deeper/hive-133-file' /real/hive-133-file '$WORK/host/dst/unpacked/hive-133-file'; test -d '$WORK/host/dst/wd' && readlink /dst && readlink /hostlink"
    [ "$output" = "$(printf 'copied\ncopied\ncopied\ncopied\ncopied\ncopied\n/etc\n%s' "$WORK/host/dst")" ]
}

@test "a hostile base layer whose directory is a symlink to a host path: COPY and ADD stay in the image" {
    import_run_base
    host_canary hostile
    before=$(fingerprint)
    python3 - "$WORK/layer.tar" "$WORK/host/hostile" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, target in [("dst", sys.argv[2]), ("up", "../../../../../../" + sys.argv[2])]:
        i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
PY
    hive run --name base-for-hostile busybox true
    id=$(hive ps -aq --no-trunc --filter name=base-for-hostile)
    tar -C "$HIVE_ROOT/containers/$id/upper" -xf "$WORK/layer.tar"
    hive commit base-for-hostile evil:dst >/dev/null
    hive rm base-for-hostile >/dev/null
    c=$(ctx)
    mkdir -p "$c/t" && echo from-tar > "$c/t/member"
    tar -C "$c/t" -czf "$c/a.tgz" member
    echo file > "$c/f"
    printf 'FROM evil:dst\nCOPY f /dst/\nADD a.tgz /dst/\nCOPY f /up/g\nCOPY t /dst/sub/\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t6 "$c"
    [ "$(fingerprint)" = "$before" ]
    run_hive 0 run --rm t6 cat "$WORK/host/hostile/f" "$WORK/host/hostile/member" "$WORK/host/hostile/g" "$WORK/host/hostile/sub/member"
    [ "$output" = "$(printf 'file\nfrom-tar\nfile\nfrom-tar')" ]
    # COPY --from and RUN --mount from= read the image's own files, never the host's through its symlink
    printf 'FROM busybox\nCOPY --from=evil:dst /dst/canary /stolen\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *'"/dst/canary" not found in the image evil:dst'* ]]
    printf 'FROM busybox\nRUN --mount=type=bind,from=evil:dst,source=/up/canary,target=/m cat /m\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" != *HOST-SECRET* ]]
    printf 'FROM busybox\nCOPY --from=t6 /dst/f /up/member /got/\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t6b "$c"
    [ "$(hive run --rm t6b cat /got/f /got/member)" = "$(printf 'file\nfrom-tar')" ]
}

@test "RUN --mount=type=bind sources resolve inside the context: no host file readable or writable" {
    import_run_base
    c=$(ctx)
    host_canary mnt
    before=$(fingerprint)
    ln -s "$WORK/host/mnt" "$c/link"
    # a path through the link: the host's canary is not mounted
    printf 'FROM busybox\nRUN --mount=type=bind,source=link/canary,target=/m cat /m\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *'"/link/canary" not found in the build context'* ]]
    [[ "$output" != *HOST-SECRET* ]]
    # the link itself, read-write: the step gets the context's own directory (a copy), the host is untouched
    mkdir -p "$c/$WORK/host/mnt" && echo "context" > "$c/$WORK/host/mnt/canary"
    printf 'FROM busybox\nRUN --mount=type=bind,source=link,target=/m cat /m/canary > /ro\nRUN --mount=type=bind,source=link,target=/m,rw sh -c "cat /m/canary > /rw; echo pwned > /m/canary; echo new > /m/new"\n' > "$c/Dockerfile"
    run_hive 0 build -q -t t5 "$c"
    [ "$(hive run --rm t5 cat /ro /rw)" = "$(printf 'context\ncontext')" ]
    [ "$(fingerprint)" = "$before" ]
    [ "$(cat "$c/$WORK/host/mnt/canary")" = "context" ]
    [ ! -e "$c/$WORK/host/mnt/new" ]
    # climbing out is refused
    printf 'FROM busybox\nRUN --mount=type=bind,source=../../..,target=/m ls /m\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *"source ../../.. is outside the build context"* ]]
    [ -z "$(grep " $HIVE_ROOT" /proc/self/mountinfo)" ]
}

@test "a FIFO in the context (a source, inside a directory, or .dockerignore) does not hang the build" {
    import_run_base
    c=$(ctx)
    mkdir -p "$c/d"
    echo x > "$c/d/file"
    mkfifo "$c/fifo" "$c/d/pipe" "$c/.dockerignore"
    printf 'FROM busybox\nCOPY d /d/\nADD fifo /added\nCOPY . /all/\n' > "$c/Dockerfile"
    run timeout 60 "$HIVE" build -q -t t7 "$c"
    echo "$output"
    [ "$status" -eq 0 ]
    run_hive 0 run --rm t7 sh -c 'test -p /d/pipe && test -p /added && test -p /all/fifo && cat /d/file && echo fifos-copied-as-fifos'
    [ "$output" = "$(printf 'x\nfifos-copied-as-fifos')" ]
}

@test "the context's Dockerfile is read inside the context: a symlink to a host file or a FIFO is not read" {
    import_run_base
    c=$(ctx)
    host_canary df
    echo "FROM busybox" > "$WORK/host/df/canary"
    echo "RUN echo HOST-DOCKERFILE" >> "$WORK/host/df/canary"
    ln -s "$WORK/host/df/canary" "$c/Dockerfile"
    run_hive 125 build -q -t d1 "$c"
    [[ "$output" == *"cannot read the Dockerfile"* ]]
    [[ "$output" != *HOST-DOCKERFILE* ]]
    # the same link resolves inside the context
    mkdir -p "$c/$WORK/host/df" && printf 'FROM busybox\nLABEL from=context\n' > "$c/$WORK/host/df/canary"
    run_hive 0 build -q -t d1 "$c"
    [ "$(hive image inspect -f '{{index .Config.Labels "from"}}' d1)" = "context" ]
    rm "$c/Dockerfile" && mkfifo "$c/Dockerfile"
    run -125 timeout 20 "$HIVE" build -q -t d2 "$c"
    [[ "$output" == *"not a regular file"* ]]
}
