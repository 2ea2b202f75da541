#!/usr/bin/env bats
# hive build through the CLI: instructions, stages, the cache, .dockerignore,
# bad input, escapes, and interop with podman.
load helpers

ctx() { mkdir -p "$WORK/ctx"; echo "$WORK/ctx"; }

@test "a six-step Dockerfile builds and runs; config fields land as Docker writes them" {
    import_run_base
    c=$(ctx)
    echo "hello file" > "$c/file.txt"
    cat > "$c/Dockerfile" <<'EOF'
FROM busybox
ENV GREETING=hi
COPY file.txt /app/file.txt
RUN echo "$GREETING from run" > /app/run.txt
WORKDIR /app
CMD ["cat", "run.txt"]
EOF
    run_hive 0 build -t demo:1 "$c"
    [[ "$output" == *"#4 [stage-0 4/6] RUN echo"* ]]
    [[ "$output" == *"naming to docker.io/library/demo:1 done"* ]]
    run_hive 0 run --rm demo:1
    [ "$output" = "hi from run" ]
    run_hive 0 image inspect --format '{{json .Config.Env}} {{.Config.WorkingDir}} {{json .Config.Cmd}}' demo:1
    [ "$output" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hi"] /app ["cat","run.txt"]' ]
    run_hive 0 history --format '{{.CreatedBy}}' demo:1
    [[ "${lines[0]}" == 'CMD ["cat","run.txt"]' ]]
    [[ "$output" == *"COPY file.txt /app/file.txt # buildkit"* ]]
    [ "$(hive image inspect --format '{{len .RootFS.Layers}}' demo:1)" = "3" ]
}

@test "the cache: a rebuild hits every step, a changed file or --no-cache rebuilds" {
    import_run_base
    c=$(ctx)
    echo one > "$c/a.txt"
    printf 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy.txt\nCMD ["cat", "/copy.txt"]\n' > "$c/Dockerfile"
    id1=$(hive build -q "$c")
    run_hive 0 build "$c"
    [ "$(echo "$output" | grep -c CACHED)" -eq 2 ]
    [ "$(hive build -q "$c")" = "$id1" ]
    echo two > "$c/a.txt"
    run_hive 0 build "$c"
    [[ "$output" != *CACHED* ]]
    id2=$(hive build -q "$c")
    [ "$id2" != "$id1" ]
    [ "$(hive run --rm "$id2")" = "two" ]
    run_hive 0 build --no-cache "$c"
    [[ "$output" != *CACHED* ]]
    # a different instruction text misses even on the same parent
    printf 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy.txt && echo x\n' > "$c/Dockerfile"
    run_hive 0 build "$c"
    [ "$(echo "$output" | grep -c CACHED)" -eq 1 ]
}

@test "stages: FROM a stage, COPY --from, --target, ARG before FROM, build args, ONBUILD" {
    import_run_base
    c=$(ctx)
    cat > "$c/Dockerfile" <<'EOF'
ARG BASE=busybox
FROM ${BASE} AS builder
ARG VERSION=1.0
RUN mkdir /out && echo "built $VERSION" > /out/version
ONBUILD RUN echo triggered > /onbuild

FROM builder AS tester
RUN test -f /out/version

FROM scratch
COPY --from=builder /out/version /version
COPY --from=busybox /bin/busybox /bin/busybox
CMD ["/bin/busybox", "cat", "/version"]
EOF
    run_hive 0 build -t staged --build-arg VERSION=2.5 "$c"
    [[ "$output" != *"tester"* ]]   # not needed by the final stage: not built
    run_hive 0 run --rm staged
    [ "$output" = "built 2.5" ]
    run_hive 0 build -q -t b1 --target builder "$c"
    printf 'FROM b1\nRUN cat /onbuild\n' | "$HIVE" build -q -t child - >/dev/null
    run_hive 0 run --rm child cat /onbuild
    [ "$output" = "triggered" ]
    run_hive 125 build --target nope "$c"
    [[ "$output" == *'target stage "nope" could not be found'* ]]
}

@test ".dockerignore: patterns, ** and ! exceptions; the Dockerfile from stdin has no context" {
    import_run_base
    c=$(ctx)
    mkdir -p "$c/src/deep" "$c/skip"
    echo a > "$c/src/a.txt"; echo b > "$c/src/b.log"; echo k > "$c/src/keep.log"; echo d > "$c/src/deep/x.tmp"
    echo s > "$c/skip/s"; echo r > "$c/README.md"
    printf 'skip\n*.md\n**/*.tmp\nsrc/*.log\n!src/keep.log\n' > "$c/.dockerignore"
    printf 'FROM busybox\nCOPY . /ctx/\n' > "$c/Dockerfile"
    hive build -q -t ign "$c" >/dev/null
    run_hive 0 run --rm ign find /ctx -type f
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "/ctx/.dockerignore /ctx/Dockerfile /ctx/src/a.txt /ctx/src/keep.log " ]
    run_hive 0 build -q -t fromstdin - <<'EOF'
FROM busybox
RUN echo piped > /p
EOF
    [ "$(hive run --rm fromstdin cat /p)" = "piped" ]
    run_hive 125 build - <<'EOF'
FROM busybox
COPY x /x
EOF
    [[ "$output" == *"needs a build context"* ]]
}

@test "bad Dockerfiles fail with file:line and the line; nothing is left behind" {
    import_run_base
    c=$(ctx)
    check() {  # EXPECTED-SUBSTRING, Dockerfile text
        printf "$2\n" > "$c/Dockerfile"
        run -125 "$HIVE" build -q "$c"
        [[ "$output" == *"$1"* ]] || { echo "want: $1"; echo "got: $output"; return 1; }
        [ "$(echo "$output" | wc -l)" -eq 1 ] || { echo "not one line: $output"; return 1; }
    }
    check "Dockerfile:2: unknown instruction: FOO (line 2: FOO bar)" 'FROM busybox\nFOO bar'
    check 'Dockerfile:2: COPY failed: "/missing.txt" not found in the build context' 'FROM busybox\nCOPY missing.txt /x'
    check "Dockerfile:2: COPY --from=nostage: no stage or local image of that name" 'FROM busybox\nCOPY --from=nostage /x /y'
    check "Dockerfile:2: failed to process \"\${UNDEF?}\": UNDEF: is not allowed to be unset" 'FROM busybox\nENV A=${UNDEF?}'
    check "Dockerfile:1: no build stage in current context" 'RUN echo hi'
    check "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only" 'FROM busybox\nCMD [ "echo", [ "nested" ] ]'
    check "Dockerfile:1: base image \"nothere:1\" not found locally" 'FROM nothere:1'
    check "ADD http://example.com/x: downloading from a URL is not available" 'FROM busybox\nADD http://example.com/x /x'
    check "Dockerfile:2: unknown flag: --bogus on COPY" 'FROM busybox\nCOPY --bogus=1 a b'
    check "Dockerfile:1: invalid escape token" '# escape=x\nFROM busybox'
    check 'Dockerfile:3: process "/bin/sh -c echo partial > /f && false" did not complete successfully: exit code: 1' 'FROM busybox\nRUN echo ok > /ok\nRUN echo partial > /f && false'
    [ -z "$(hive ps -aq)" ]
    [ -z "$(ls "$HIVE_ROOT/containers")" ]
    ! grep -q "$HIVE_ROOT" /proc/mounts || false
    # busybox only: the RUN echo ok step that succeeded is a build cache record (as BuildKit keeps it), not an image
    [ "$(hive images -aq | wc -l)" -eq 1 ]
    [ "$(hive builder du --format '{{.Description}}')" = "RUN /bin/sh -c echo ok > /ok # buildkit" ]
}

@test "COPY never reaches outside the context; WORKDIR and COPY with .. stay in the rootfs" {
    import_run_base
    c=$(ctx)
    ln -s /etc/shadow "$c/abs-link"
    ln -s ../../../../etc/shadow "$c/rel-link"
    printf 'FROM busybox\nCOPY ../etc/passwd /x\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *"COPY source ../etc/passwd is outside the build context"* ]]
    printf 'FROM busybox\nCOPY rel-link /x\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *"symlink that points outside the build context"* ]]
    printf 'FROM busybox\nCOPY abs-link /x\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" != *root:* ]]
    printf 'FROM busybox\nCOPY Dockerfile ../../../../../../tmp/hive-escape-test\nWORKDIR ../../..\nRUN test -f /tmp/hive-escape-test && pwd\n' > "$c/Dockerfile"
    hive build -q -t esc "$c" >/dev/null
    [ ! -e /tmp/hive-escape-test ]
    printf 'FROM busybox\nWORKDIR /proc/self/fd/3\nRUN pwd\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *"chdir to working directory /proc/self/fd/3"* ]]
}

@test "ADD unpacks local archives; COPY --chown/--chmod and heredocs" {
    import_run_base
    c=$(ctx)
    mkdir -p "$c/t"; echo inner > "$c/t/inner.txt"
    tar -C "$c/t" -czf "$c/arch.tgz" inner.txt
    cat > "$c/Dockerfile" <<'EOF'
FROM busybox
ADD arch.tgz /unpacked/
COPY --chown=nobody:nogroup --chmod=640 t/inner.txt /owned
COPY <<EOT /inline.txt
inline content
EOT
RUN <<EOT
echo from heredoc > /heredoc.txt
EOT
EOF
    hive build -q -t adds "$c" >/dev/null
    run_hive 0 run --rm adds sh -c 'cat /unpacked/inner.txt /inline.txt /heredoc.txt; stat -c "%U:%G %a" /owned'
    [ "$output" = "$(printf 'inner\ninline content\nfrom heredoc\nnobody:nogroup 640')" ]
}

@test "an image built by hive runs under podman with the same config; podman builds the same files" {
    command -v podman >/dev/null || skip "podman is not installed (make test-deps installs it)"
    import_run_base
    P() { podman --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay "$@"; }
    c=$(ctx)
    echo hello > "$c/file.txt"
    printf 'FROM busybox\nENV GREETING=hi\nCOPY file.txt /app/file.txt\nRUN echo "$GREETING" > /app/run.txt\nWORKDIR /app\nUSER nobody\nENTRYPOINT ["cat"]\nCMD ["run.txt"]\n' > "$c/Dockerfile"
    hive build -q -t hb "$c" >/dev/null
    hive save busybox hb | P load -q >/dev/null
    [ "$(P run --rm hb)" = "hi" ]
    fields='{{json .Config.Env}} {{.Config.WorkingDir}} {{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}'
    P build -q --pull=never -t pb "$c" >/dev/null
    [ "$(P image inspect --format "$fields" pb)" = "$(P image inspect --format "$fields" hb)" ]
    [ "$(P run --rm --entrypoint '' pb sh -c 'cat /app/file.txt /app/run.txt; id -u')" = \
      "$(P run --rm --entrypoint '' hb sh -c 'cat /app/file.txt /app/run.txt; id -u')" ]
    umount "$WORK/podman-root/overlay" 2>/dev/null || true
}

@test "pre-build hooks can refuse a build; post-build and the event log see it" {
    import_run_base
    c=$(ctx)
    printf 'FROM busybox\nRUN true\n' > "$c/Dockerfile"
    add_hook 10-build.lua <<'EOF'
hive.on("pre-build", function(c)
  if c.labels.team == nil then hive.deny("builds need a team label") end
  table.insert(c.tags, "audited:latest")
end)
hive.on("post-build", function(c) hive.log.warn("built " .. c.id) end)
EOF
    run_hive 125 build -q "$c"
    [[ "$output" == *"pre-build denied by hook"*"builds need a team label"* ]]
    run_hive 0 build --label team=a -t mine "$c"
    [[ "$output" == *"warning: hook"*"(post-build): built sha256:"* ]]
    [ "$(hive image inspect --format '{{index .Config.Labels "team"}}' audited)" = "a" ]
    run_hive 0 events --until 0s --filter event=build --format '{{.Actor.Attributes.name}}'
    [ "$output" = "mine:latest" ]
}

@test "RUN --mount: bind (read-only, or a discarded rw copy), cache that persists, tmpfs, from a stage; COPY --exclude and --parents" {
    import_run_base
    c=$(ctx)
    mkdir -p "$c/src/sub"; echo data > "$c/src/d.txt"; echo s > "$c/src/sub/s.txt"; echo x > "$c/src/x.log"
    cat > "$c/Dockerfile" <<'EOT'
FROM busybox AS base
RUN mkdir /stage && echo from-stage > /stage/f
FROM busybox
RUN --mount=type=bind,source=src,target=/mnt/src cat /mnt/src/d.txt > /copied
RUN --mount=type=bind,source=src,target=/mnt/ro sh -c 'echo no > /mnt/ro/d.txt' || echo read-only > /ro
RUN --mount=type=cache,target=/cache echo run >> /cache/count && wc -l < /cache/count > /cachecount
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs-ls
RUN --mount=type=bind,from=base,source=/stage,target=/s cat /s/f > /fromstage
RUN --mount=type=bind,source=src,target=/w,rw echo changed > /w/d.txt
COPY --parents src/sub/s.txt /p/
COPY --exclude=*.log src /e/
EOT
    hive build -q -t mounts "$c" >/dev/null
    run_hive 0 run --rm mounts sh -c 'cat /copied /ro /cachecount /tmpfs-ls /fromstage /p/src/sub/s.txt; ls /e; test ! -e /cache/count && test ! -e /scratch/x && echo mounts-not-in-layers'
    [ "$output" = "$(printf 'data\nread-only\n1\nx\nfrom-stage\ns\nd.txt\nsub\nmounts-not-in-layers')" ]
    [ "$(cat "$c/src/d.txt")" = "data" ]   # the context is untouched
    hive build -q --no-cache -t mounts "$c" >/dev/null
    [ "$(hive run --rm mounts cat /cachecount)" = "2" ]
    printf 'FROM busybox\nRUN --mount=type=secret,id=x true\n' > "$c/Dockerfile"
    run_hive 125 build -q "$c"
    [[ "$output" == *"--mount=type=secret is not available"* ]]
}

@test "COPY into a directory the image has, without a trailing slash, puts the file inside it" {
    import_run_base
    c=$(ctx)
    echo x > "$c/f.txt"
    printf 'FROM busybox\nCOPY f.txt /etc\nCOPY f.txt /\nCOPY f.txt /newfile\n' > "$c/Dockerfile"
    hive build -q -t into "$c" >/dev/null
    run_hive 0 run --rm into sh -c 'test -d /etc && cat /etc/f.txt /f.txt /newfile'
    [ "$output" = "$(printf 'x\nx\nx')" ]
}
