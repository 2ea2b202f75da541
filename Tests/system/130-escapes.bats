#!/usr/bin/env bats
# Known container escapes (security-cases.md), each tried for real.
load helpers


# A layer on top of busybox from a python-built tar (entries given as name:type:target).
hostile_image() {
    local ref=$1; shift
    python3 - "$WORK/layer.tar" "$@" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for spec in sys.argv[2:]:
        name, kind, target = spec.split(":", 2)
        i = tarfile.TarInfo(name)
        if kind == "dir":
            i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
        elif kind == "sym":
            i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
        else:
            data = target.encode(); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
    hive run --name base-for-hostile busybox true
    # stack the hostile layer on busybox through commit: copy it into a container's upper layer
    id=$(hive ps -aq --no-trunc --filter name=base-for-hostile)
    tar -C "$HIVE_ROOT/containers/$id/upper" -xf "$WORK/layer.tar"
    hive commit base-for-hostile "$ref" >/dev/null
    hive rm base-for-hostile >/dev/null
}

@test "CVE-2025-31133: an image whose /dev/null is a symlink cannot redirect the masks" {
    import_run_base
    before=$(cat /proc/sys/kernel/core_pattern)
    hostile_image evil:devnull "dev:dir:" "dev/null:sym:/proc/sys/kernel/core_pattern" "dev/pts:dir:" "dev/pts/0:sym:/proc/sysrq-trigger"
    run "$HIVE" run --rm evil:devnull sh -c 'ls -l /dev/null; echo "|/tmp/x" > /proc/sys/kernel/core_pattern 2>&1; wc -c < /proc/keys'
    [[ "$output" == *"crw-rw-rw-"*"1,"*"3"* ]]
    [[ "$output" == *"Read-only file system"* ]] || [[ "$output" == *"Permission denied"* ]]
    [ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
}

@test "CVE-2019-5736: a container cannot reach, run or rewrite the host hive and hive-monitor binaries" {
    import_run_base
    # a copy of the build runs this test: should the protection fail, the copy is what gets rewritten
    mkdir -p "$WORK/bin" "$WORK/probe"
    cp "$HIVE" "$(dirname "$HIVE")/hive-monitor" "$(dirname "$HIVE")/hive-init" "$WORK/bin/"
    local copy=$WORK/bin/hive
    local sums
    sums=$(sha256sum "$WORK/bin/hive" "$WORK/bin/hive-monitor")
    cc -static -O2 -o "$WORK/probe/launcher-probe" "$REPO/Tests/fixtures/launcher-probe.c"
    printf '#!/proc/self/exe\n' > "$WORK/probe/evil"
    chmod +x "$WORK/probe/evil"
    # exec, against a resident attacker: it opens /proc/PID/exe of every process for
    # writing, and holds each by O_PATH to reopen for writing once the process is gone
    "$copy" run -d --name target -v "$WORK/probe:/probe:ro" busybox /probe/launcher-probe exe /probe/stop \
        "$(stat -c %d:%i "$WORK/bin/hive")" "$(stat -c %d:%i "$WORK/bin/hive-monitor")" >/dev/null
    sleep 0.3
    local other=0
    for _ in $(seq 20); do
        run "$copy" exec target /probe/evil
        [ "$status" -eq 126 ] && [[ "$output" == *"hive's exec stub"* ]] || { other=$((other + 1)); echo "exec: $status $output"; }
    done
    # the attacker stops; from here on only host-side commands of the real build (no exec)
    touch "$WORK/probe/stop"
    run_hive 0 wait target
    run_hive 0 logs target
    echo "$output"
    [ "$(sha256sum "$WORK/bin/hive" "$WORK/bin/hive-monitor")" = "$sums" ] || { echo "the host binary copy was rewritten" >&2; return 1; }
    [[ "$output" == *"probe: done"* ]]
    [[ "$output" != *"HOSTEXE"* ]]
    [[ "$output" != *"WROTE"* ]]
    [ "$other" -eq 0 ]
    "$copy" run -d --name ps -v "$WORK/probe:/probe:ro" busybox sleep 60 >/dev/null
    run_hive 0 exec ps sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; grep TracerPid $p/status; done'
    [[ "$output" != *"hive"* ]]
    [[ "$output" != *"TracerPid:	[1-9]"* ]]
    # run and run -d (the monitor launches): the script's interpreter is the sealed exec stub
    run -126 "$copy" run --rm -v "$WORK/probe:/probe:ro" busybox /probe/evil
    [[ "$output" == *"hive's exec stub"* ]]
    "$copy" run -d --name evil-d -v "$WORK/probe:/probe:ro" busybox /probe/evil >/dev/null
    run "$copy" wait evil-d
    [ "$output" = 126 ]
    "$copy" rm -f evil-d target ps >/dev/null
}

@test "CVE-2022-23648: image VOLUMEs that climb out are rejected" {
    import_run_base
    hive import --change 'VOLUME ["/../../../../etc"]' "$(base_tar)" evil:vol >/dev/null
    run_hive 125 run --rm evil:vol true
    [[ "$output" == *"unsafe VOLUME"* ]]
    [ -z "$(hive ps -aq)" ]
}

@test "an image's /etc/passwd that is a symlink to a host file is not followed" {
    import_run_base
    hostile_image evil:passwd "etc/passwd:sym:/etc/shadow"
    run_hive 125 run --rm -u root evil:passwd true
    [[ "$output" == *"unable to find user root"* ]]
    [[ "$output" != *'$'* ]]
}

@test "--ulimit sets limits; a hard limit above hive's own fails clearly" {
    import_run_base
    run_hive 0 run --rm --ulimit nofile=100:200 --ulimit nproc=50 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
    [ "$output" = "$(printf '100\n200\n50')" ]
    run_hive 125 run --rm --ulimit nofile=10:99999999 busybox true
    [[ "$output" == *"exceeds hive's own"* ]]
    run_hive 125 run --rm --ulimit bogus=1 busybox true
    [[ "$output" == *"invalid --ulimit"* ]]
}

@test "cp copies both ways, running or stopped, and never follows a symlink out of the container" {
    import_run_base
    mkdir -p "$WORK/in/sub" && echo deep > "$WORK/in/sub/f" && echo top > "$WORK/host.txt"
    hive run -d --name cpt busybox sh -c 'mkdir /data; echo c > /data/c; ln -s / /data/escape; ln -s /etc /a; sleep 60' >/dev/null
    sleep 0.3
    run_hive 0 cp cpt:/data/c "$WORK/"
    [ "$(cat "$WORK/c")" = "c" ]
    run_hive 0 cp cpt:/data "$WORK/out"
    [ -L "$WORK/out/escape" ]
    [ "$(readlink "$WORK/out/escape")" = "/" ]
    run_hive 0 cp "$WORK/host.txt" cpt:/data/
    run_hive 0 cp "$WORK/in" cpt:/data/in2
    [ "$(hive exec cpt cat /data/host.txt /data/in2/sub/f)" = "$(printf 'top\ndeep')" ]
    # a symlink to / inside the container resolves inside the container
    run_hive 0 cp cpt:/data/escape/etc/hostname "$WORK/hn"
    [ "$(cat "$WORK/hn")" = "$(hive exec cpt hostname)" ]
    # CVE-2021-41089: /a -> /etc in the container; copying into /a/... writes the container's /etc
    before=$(stat -c '%a %Y' /etc)
    run_hive 0 cp "$WORK/host.txt" cpt:/a/planted
    [ ! -e /etc/planted ]
    [ "$(stat -c '%a %Y' /etc)" = "$before" ]
    [ "$(hive exec cpt cat /etc/planted)" = "top" ]
    run_hive 125 cp cpt:/nope "$WORK/"
    [[ "$output" == *"/nope: No such file or directory"* ]]
    run_hive 125 cp cpt:/data/../../etc/shadow "$WORK/"
    [[ "$output" == *".. is not allowed"* ]]
    hive stop -t 0 cpt >/dev/null
    run_hive 0 cp cpt:/data/host.txt "$WORK/stopped.txt"
    [ "$(cat "$WORK/stopped.txt")" = "top" ]
    run_hive 0 cp "$WORK/host.txt" cpt:/data/while-stopped
    ! grep -q "$HIVE_ROOT" /proc/mounts || false
    hive rm cpt >/dev/null
}

@test "seccomp: keyctl, io_uring_setup, AF_VSOCK, unshare and clone(NEWNS) fail with EPERM, clone3 with ENOSYS; fork works" {
    import_run_base
    mkdir -p "$WORK/probe"
    cc -static -O2 -o "$WORK/probe/probe" "$REPO/Tests/fixtures/syscall-probe.c" || skip "no static libc to build the probe"
    run_hive 0 run --rm -v "$WORK/probe:/probe:ro" busybox /probe/probe
    echo "$output"
    [[ "$output" == *"keyctl=EPERM"* ]]
    [[ "$output" == *"io_uring_setup=EPERM"* ]]
    [[ "$output" == *"socket_vsock=EPERM"* ]]
    [[ "$output" == *"socket_inet=OK"* ]]
    [[ "$output" == *"clone3=ENOSYS"* ]]
    [[ "$output" == *"unshare_user=EPERM"* ]]
    [[ "$output" == *"unshare_ns=EPERM"* ]]
    [[ "$output" == *"clone_newns=EPERM"* ]]
    [[ "$output" == *"personality=OK"* ]]
    [[ "$output" == *"fork=OK"* ]]
    # unconfined, the same calls get past seccomp (and meet capabilities instead)
    run_hive 0 run --rm --security-opt seccomp=unconfined -v "$WORK/probe:/probe:ro" busybox /probe/probe
    [[ "$output" != *"clone3=ENOSYS"* ]]
}

@test "the container has its own time namespace" {
    import_run_base
    run_hive 0 run --rm busybox readlink /proc/self/ns/time
    [ "$output" != "$(readlink /proc/self/ns/time)" ]
}
