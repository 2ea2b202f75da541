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
    ! ls -R "$HIVE_ROOT/volumes" 2>/dev/null | grep -qx 'os-release' || false
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

# policy_denies REASON RUN-ARGS...: `hive run RUN-ARGS busybox true` is refused by policy/no-privileged for REASON.
policy_denies() {
    local why=$1; shift
    run "$HIVE" run --rm "$@" busybox true
    if [ "$status" -ne 125 ] || [[ "$output" != *"no-privileged.lua: $why is not allowed on this host (policy/no-privileged; allow = "* ]]; then
        echo "hive run $*: exit $status, expected 125 and: $why" >&2
        echo "$output" >&2
        return 1
    fi
}

# a unix socket, as /var/run/docker.sock is
make_socket() { python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"; }

@test "policy/no-privileged: seccomp profiles, no-new-privileges=false, host network and binds of /, /proc, /sys, /dev, sockets and hive's state are denied with their reason" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
EOF
    make_socket "$WORK/api.sock"
    ln -s / "$WORK/rootlink"
    ln -s "$WORK/api.sock" "$WORK/innocent"
    echo '{"defaultAction":"SCMP_ACT_ALLOW"}' > "$WORK/open.json"
    policy_denies "--security-opt seccomp=unconfined" --security-opt seccomp=unconfined
    policy_denies "--security-opt seccomp=$WORK/open.json (a custom profile)" --security-opt "seccomp=$WORK/open.json"
    policy_denies "--security-opt no-new-privileges=false" --security-opt no-new-privileges=false
    policy_denies "--network host" --network host
    policy_denies "--device /dev/null" --device /dev/null
    policy_denies "a bind mount of the host's /: /" -v /:/host
    policy_denies "a bind mount of the host's /: $WORK/rootlink ($WORK/rootlink resolves to /)" -v "$WORK/rootlink:/host:ro"
    policy_denies "a bind mount of the host's /: $WORK/rootlink/ ($WORK/rootlink/ resolves to /)" --mount "type=bind,source=$WORK/rootlink/,target=/host"
    policy_denies "a bind mount of /proc: /proc/1/root" -v /proc/1/root:/x
    policy_denies "a bind mount of /sys: /sys/fs/cgroup" -v /sys/fs/cgroup:/x
    policy_denies "a bind mount of /dev: /dev" -v /dev:/x
    policy_denies "a bind mount of a socket: $WORK/api.sock" -v "$WORK/api.sock:/var/run/docker.sock"
    policy_denies "a bind mount of a socket: $WORK/innocent" -v "$WORK/innocent:/x"
    policy_denies "a bind mount of a socket: /run/docker.sock" --mount type=bind,source=/run/docker.sock,target=/s
    policy_denies "a bind mount of a socket: /var/run" -v /var/run:/x
    policy_denies "a bind mount of hive's own state (/run/hive): /run/hive" -v /run/hive:/x
    policy_denies "a bind mount of hive's own state (/etc/hive): /etc" -v /etc:/x:ro
    policy_denies "a bind mount of hive's own state (/var/lib/hive): /var/lib/hive/volumes" -v /var/lib/hive/volumes:/x
    # what is not dangerous still runs
    mkdir "$WORK/data"
    run_hive 0 run --rm -v "$WORK/data:/data" -v vol:/vol --security-opt seccomp=default busybox true
    [ -z "$(hive ps -aq)" ]
}

@test "policy/no-privileged: each denial can be allowed by name in its config; the rest stay denied" {
    import_run_base
    make_socket "$WORK/api.sock"
    make_socket "$WORK/app.sock"
    echo '{"defaultAction":"SCMP_ACT_ALLOW"}' > "$WORK/open.json"
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
[plugins."policy/no-privileged"]
allow = ["seccomp-unconfined", "seccomp-profile", "host-network", "bind-socket", "bind-dev"]
EOF
    run_hive 0 run --rm --security-opt seccomp=unconfined busybox true
    run_hive 0 run --rm --security-opt "seccomp=$WORK/open.json" busybox true
    run_hive 0 run --rm --network host busybox true
    run_hive 0 run --rm -v "$WORK/api.sock:/s" busybox test -S /s
    run_hive 0 run --rm -v /dev/null:/x busybox true
    policy_denies "a bind mount of /proc: /proc" -v /proc:/x
    policy_denies "--security-opt no-new-privileges=false" --security-opt no-new-privileges=false

    # one source by glob, not the whole class
    use_plugins <<EOF
[plugins]
enabled = ["policy/no-privileged"]
[plugins."policy/no-privileged"]
allowed_sources = ["$WORK/app.*"]
EOF
    run_hive 0 run --rm -v "$WORK/app.sock:/s" busybox test -S /s
    policy_denies "a bind mount of a socket: $WORK/api.sock" -v "$WORK/api.sock:/s"
    # the old switch opens seccomp and no-new-privileges only
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
[plugins."policy/no-privileged"]
deny_unconfined = false
EOF
    run_hive 0 run --rm --security-opt seccomp=unconfined --security-opt no-new-privileges=false busybox true
    policy_denies "--network host" --network host
}

@test "policy/no-privileged: a site hook cannot add a dangerous bind behind the policy" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
EOF
    echo 'hive.on("pre-create", function(c) c.mounts[#c.mounts + 1] = {type = "bind", source = "/proc/../", target = "/host"} end)' | add_hook 50-sneaky.lua
    run_hive 125 run --rm busybox true
    [[ "$output" == *"no-privileged.lua: a bind mount of the host's /: /proc/../ is not allowed"* ]]
}

# log_files NAME: the container's log files (log, log.1, ...)
log_files() { ls "$HIVE_ROOT/containers/$(hive ps -aq --no-trunc --filter name=$1)"/log*; }
log_bytes() { cat $(log_files "$1") | wc -c; }
# wait_exited NAME: until the monitor has written the container's exit (its log is complete then);
# not `hive wait` alone, which can return -1 early under load (seen on main too)
wait_exited() {
    local dir=$HIVE_ROOT/containers/$(hive ps -aq --no-trunc --filter name=$1)
    for _ in $(seq 600); do [ -f "$dir/exit" ] && break; sleep 0.1; done
    [ -f "$dir/exit" ]
    hive wait "$1" >/dev/null || true
}

@test "logs: 30 MB through --log-opt max-size=1m --log-opt max-file=2 leaves at most 2 files of 1 MB; logs shows the tail in order" {
    import_run_base
    hive run -d --name big --log-opt max-size=1m --log-opt max-file=2 busybox \
        sh -c 'yes "$(printf "%090d" 0)" | head -c 30030000; echo THE END' >/dev/null
    wait_exited big
    log_files big
    [ "$(log_files big | wc -l)" -eq 2 ]
    bytes=$(log_bytes big)
    echo "log bytes: $bytes"
    [ "$bytes" -gt $((1 << 20)) ]
    [ "$bytes" -le $((2 << 20)) ]
    run_hive 0 logs --tail 1 big
    [ "$output" = "THE END" ]
    # across log.1 and log: whole lines, oldest first, the last one the end
    hive logs big > "$WORK/out"
    [ "$(wc -l < "$WORK/out")" -eq "$(cat $(log_files big) | wc -l)" ]
    [ "$(wc -l < "$WORK/out")" -gt "$(wc -l < "$(log_files big | head -1)")" ]
    [ "$(grep -vxc '0\{90\}' "$WORK/out")" -eq 1 ]
    [ "$(tail -n 1 "$WORK/out")" = "THE END" ]
}

@test "logs: a 1 GB stream without a newline is split into 16 KiB records and kept under the default 100 MB" {
    import_run_base
    hive run -d --name nl busybox sh -c 'head -c 1000000000 /dev/zero | tr "\0" a; echo; echo THE END' >/dev/null
    wait_exited nl
    log_files nl
    [ "$(log_files nl | wc -l)" -le 5 ]
    bytes=$(log_bytes nl)
    echo "log bytes: $bytes"
    [ "$bytes" -le $((100 << 20)) ]
    longest=$(cat $(log_files nl) | awk '{ if (length($0) > m) m = length($0) } END { print m }')
    echo "longest record: $longest"
    [ "$longest" -le $((16384 + 256)) ]
    run_hive 0 logs --tail 1 nl
    [ "$output" = "THE END" ]
    # the split records join back into the one line
    run_hive 0 logs --tail 3 nl
    [ "${#lines[@]}" -eq 2 ]
    [ "${#lines[0]}" -gt 16384 ]
    [[ "${lines[0]}" != *[^a]* ]]
    [ "${lines[1]}" = "THE END" ]
}

@test "logs: hive.toml [logs] sets the default bound; --log-opt overrides it; bad options are refused" {
    import_run_base
    printf '[logs]\nmax_size = "64k"\nmax_file = 3\n' > "$HIVE_CONFIG"
    hive run -d --name conf busybox sh -c 'yes "$(printf "%090d" 0)" | head -c 3000000; echo THE END' >/dev/null
    wait_exited conf
    [ "$(log_files conf | wc -l)" -eq 3 ]
    [ "$(log_bytes conf)" -le $((3 * 64 << 10)) ]
    hive run -d --name opt --log-opt max-size=128k busybox sh -c 'yes "$(printf "%090d" 0)" | head -c 3000000' >/dev/null
    wait_exited opt
    [ "$(log_files opt | wc -l)" -eq 3 ]
    [ "$(log_bytes opt)" -gt $((3 * 64 << 10)) ]
    [ "$(log_bytes opt)" -le $((3 * 128 << 10)) ]
    # a restart keeps the container's own bound
    hive start opt >/dev/null
    wait_exited opt
    [ "$(log_files opt | wc -l)" -eq 3 ]
    [ "$(log_bytes opt)" -gt $((3 * 64 << 10)) ]
    [ "$(log_bytes opt)" -le $((3 * 128 << 10)) ]
    run_hive 125 run -d --log-opt bogus=1 busybox true
    [[ "$output" == *'unknown log opt "bogus" for the json-file log (max-size, max-file, compress, labels, env)'* ]]
    run_hive 125 run -d --log-opt max-file=0 busybox true
    [[ "$output" == *"invalid --log-opt max-file=0"* ]]
    printf '[logs]\nmax_size = "1"\n' > "$HIVE_CONFIG"
    run_hive 125 run -d busybox true
    [[ "$output" == *"logs.max_size must be a size of at least 1k"* ]]
}

@test "logs -f follows the log across rotations" {
    import_run_base
    hive run -d --name rot --log-opt max-size=2k --log-opt max-file=3 busybox \
        sh -c 'i=0; while [ $i -lt 300 ]; do echo "line-$i"; i=$((i+1)); usleep 3000; done' >/dev/null
    hive logs -f rot > "$WORK/followed"
    wait_exited rot
    [ "$(log_files rot | wc -l)" -eq 3 ]
    seq 0 299 | sed 's/^/line-/' > "$WORK/want"
    diff "$WORK/want" "$WORK/followed"
}

# Found in review (policy/no-privileged): the policy judges bind sources on
# pre-create only, by the path the host resolved then; the launcher binds the
# source by path (following symlinks) at start. A symlink swapped between
# `create` and `start` (or in the window of `run`) binds what the policy
# refuses. The canary is a directory the policy denies (hive_paths).
@test "policy/no-privileged: a bind source swapped between create and start does not reach a denied path" {
    import_run_base
    mkdir -p "$WORK/state" "$WORK/empty"
    echo ORIG > "$WORK/state/canary"
    use_plugins <<EOF
[plugins]
enabled = ["policy/no-privileged"]
[plugins."policy/no-privileged"]
hive_paths = ["$WORK/state"]
EOF
    # the direct bind is denied
    run_hive 125 run --rm -v "$WORK/state:/h" busybox true
    [[ "$output" == *"a bind mount of hive's own state"* ]]
    # through a link that is innocent at create time
    ln -s "$WORK/empty" "$WORK/link"
    run_hive 0 create --name swap -v "$WORK/link:/h" busybox sh -c 'echo PWNED > /h/canary'
    ln -sfn "$WORK/state" "$WORK/link"
    run "$HIVE" start -a swap
    echo "$output"
    [ "$(cat "$WORK/state/canary")" = ORIG ]
    # the source was resolved at create: the container wrote where the policy looked
    [ "$(cat "$WORK/empty/canary")" = PWNED ]
    # a component of the resolved path swapped for a symlink: the start fails, nothing bound
    mv "$WORK/empty" "$WORK/empty.x" && ln -s "$WORK/state" "$WORK/empty"
    run "$HIVE" start -a swap
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" == *"bind mount source $WORK/empty: Too many levels of symbolic links"* ]]
    [ "$(cat "$WORK/state/canary")" = ORIG ]
}

# Found in review (policy/no-privileged): the denylist names /, /proc, /sys, /dev,
# sockets and hive's state, but a writable bind of the host's system
# directories is just as much the host: with -v /usr:/x the container root
# rewrites host binaries (/x/bin/...), with /root or /home it plants SSH keys,
# with /boot a kernel or initrd, with /lib a library root loads. None of these
# is refused today. (Only the decision is tested: nothing is written.)
@test "policy/no-privileged denies writable binds of the host's system directories" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
EOF
    for src in /usr /usr/local/bin /lib /root /boot /home /var/spool; do
        [ -d "$src" ] || continue
        run "$HIVE" run --rm -v "$src:/x" busybox true
        if [ "$status" -ne 125 ] || [[ "$output" != *"policy/no-privileged"* ]]; then
            echo "-v $src:/x (writable) was not denied: exit $status" >&2
            return 1
        fi
    done
}
