#!/usr/bin/env bats
# hive cp with - (issue #15): a tar of a container path on stdout, a tar on
# stdin extracted into a container directory, as Docker; hostile tars are
# refused with nothing written outside the destination; Docker's summary line.
load helpers

teardown() { teardown_containers; }

# hostile_tar KIND FILE: a tar that tries to leave its destination.
hostile_tar() {
    python3 - "$1" "$2" <<'EOF'
import io, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
t = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
def add(name, data=b"PWNED\n", **kw):
    i = tarfile.TarInfo(name); i.size = len(data); [setattr(i, k, v) for k, v in kw.items()]
    t.addfile(i, io.BytesIO(data))
def link(name, target, type):
    i = tarfile.TarInfo(name); i.type = type; i.linkname = target; t.addfile(i)
if kind == "dotdot":
    add("ok.txt", b"fine\n"); add("../escaped-dotdot"); add("a/../../escaped-dotdot2")
elif kind == "abs-symlink":
    link("etclink", "/etc", tarfile.SYMTYPE); add("etclink/evil-through-link")
elif kind == "rel-symlink":
    link("up", "../../../../..", tarfile.SYMTYPE); add("up/escaped-rel")
elif kind == "hardlink":
    link("shadow-abs", "/etc/shadow", tarfile.LNKTYPE)
elif kind == "hardlink-up":
    link("shadow-up", "../../../../../../etc/shadow", tarfile.LNKTYPE)
t.close()
EOF
}

@test "cp CTR:PATH - streams a tar of the path (running and stopped), symlinks as symlinks, -L follows" {
    import_run_base
    hive run -d --name up --network none busybox sh -c 'mkdir -p /data/sub; echo one > /data/a; echo two > /data/sub/b; chown 123:456 /data/a; ln -s /data/a /data/link; exec sleep 300' >/dev/null
    until_true 5 hive exec up test -L /data/link
    hive cp up:/data - > "$WORK/out.tar"
    tar -tf "$WORK/out.tar" | sort > "$WORK/names"
    [ "$(cat "$WORK/names")" = "$(printf 'data/\ndata/a\ndata/link\ndata/sub/\ndata/sub/b')" ]
    # numeric owners from the container, symlink kept
    [[ "$(tar -tvf "$WORK/out.tar" --numeric-owner data/a)" == *"123/456"* ]]
    [[ "$(tar -tvf "$WORK/out.tar" data/link)" == *"data/link -> /data/a"* ]]
    [ "$(tar -xOf "$WORK/out.tar" data/sub/b)" = two ]
    # a file alone, and through -L the symlink's target under the link's name
    [ "$(hive cp up:/data/link - | tar -t)" = "link" ]
    [ "$(hive cp -L up:/data/link - | tar -xO)" = one ]
    # the same from the stopped container (its overlay, mounted privately)
    hive stop -t 1 up >/dev/null
    [ "$(hive cp up:/data/sub/b - | tar -xO)" = two ]
    [ "$(hive cp up:/etc - | tar -t | grep -c '^etc/passwd$')" = 1 ]
    # errors: a missing path, both sides -, no container side
    run_hive 125 cp up:/nope -
    [[ "$output" == *"/nope"*"No such file"* ]]
    run_hive 125 cp - -
    [[ "$output" == *"must specify at least one container source"* ]]
    run_hive 125 cp "$WORK/names" -
    [[ "$output" == *"CONTAINER:PATH"* ]]
}

@test "cp - CTR:DIR extracts a tar from stdin (plain and gzip), owners from the tar, -a the container's user" {
    import_run_base
    hive run -d --name up --network none busybox sh -c 'mkdir /dst; exec sleep 300' >/dev/null
    mkdir -p "$WORK/src/sub"
    echo hello > "$WORK/src/f"; echo deep > "$WORK/src/sub/g"; ln -s f "$WORK/src/l"
    tar -C "$WORK/src" --owner=1234 --group=2345 -c . | hive cp - up:/dst
    run_hive 0 exec up sh -c 'cat /dst/f /dst/sub/g; readlink /dst/l; stat -c %u:%g /dst/f'
    [ "$output" = "$(printf 'hello\ndeep\nf\n1234:2345')" ]
    # gzip, into a stopped container, through a symlink to the directory (followed inside the root)
    hive exec up sh -c 'mkdir /dst2; ln -s /dst2 /dst2link'
    hive stop -t 1 up >/dev/null
    tar -C "$WORK/src" -cz f | hive cp - up:/dst2link
    [ "$(hive cp up:/dst2/f - | tar -xO)" = hello ]
    # -a: the container's configured user (Docker's copyUIDGID), into a created container
    hive create --name as-app --network none -u 1500:1600 busybox true >/dev/null
    tar -C "$WORK/src" --owner=7 --group=7 -c f | hive cp -a - as-app:/tmp
    [[ "$(hive cp as-app:/tmp/f - | tar -tv --numeric-owner)" == *"1500/1600"* ]]
}

@test "cp - CTR:DIR: the destination must be an existing directory; a directory is not replaced by a file" {
    import_run_base
    hive run -d --name up --network none busybox sh -c 'mkdir -p /d/sub; echo x > /file; exec sleep 300' >/dev/null
    echo data > "$WORK/sub"
    tar -C "$WORK" -c sub > "$WORK/t.tar"
    run_hive 125 cp - up:/missing < "$WORK/t.tar"
    [[ "$output" == *'destination "up:/missing" must be a directory'* ]]
    run_hive 125 cp - up:/file < "$WORK/t.tar"
    [[ "$output" == *'destination "up:/file" must be a directory'* ]]
    hive exec up test ! -e /missing
    # /d/sub is a directory: a file of that name does not replace it
    run_hive 125 cp - up:/d < "$WORK/t.tar"
    [[ "$output" == *'cannot overwrite directory "sub" with a non-directory'* ]]
    hive exec up test -d /d/sub
    # not a tar at all
    run bash -c "echo garbage | '$HIVE' cp - up:/d"
    [ "$status" -eq 125 ]
    [[ "$output" == *"tar stream on standard input"* ]]
}

@test "cp - CTR:DIR refuses hostile tars: .., symlinks out, hardlinks to /etc/shadow; nothing lands outside the destination" {
    import_run_base
    hive run -d --name up --network none busybox sh -c 'mkdir -p /a/b/dst; exec sleep 300' >/dev/null
    shadow_before=$(stat -c '%h %s %Y' /etc/shadow)
    for kind in dotdot abs-symlink rel-symlink hardlink hardlink-up; do
        hostile_tar $kind "$WORK/$kind.tar"
        run "$HIVE" cp - up:/a/b/dst < "$WORK/$kind.tar"
        echo "$kind: $status $output"
        [ "$status" -ne 0 ]
        [[ "$output" == *"unsafe archive entry"* ]]
    done
    # nothing outside /a/b/dst in the container, nothing on the host
    run_hive 0 exec up sh -c 'find / -xdev \( -name "escaped*" -o -name "evil-through-link" -o -name "shadow-*" \) 2>/dev/null'
    [ -z "$output" ]
    [ ! -e /etc/evil-through-link ]
    [ -z "$(find / -xdev -maxdepth 3 -name 'escaped*' 2>/dev/null)" ]
    [ "$(stat -c '%h %s %Y' /etc/shadow)" = "$shadow_before" ]
    # what stayed inside the destination is there (the symlinks themselves, ok.txt)
    run_hive 0 exec up ls /a/b/dst
    [[ "$output" == *"ok.txt"* ]]
}

@test "cp prints Docker's summary on stderr when stdout is a terminal, not with -q or a stream" {
    import_run_base
    hive run -d --name up --network none busybox sleep 300 >/dev/null
    head -c 2560 /dev/zero > "$WORK/f"
    # no terminal: no summary (Docker's default)
    run_hive 0 cp "$WORK/f" up:/f
    [ -z "$output" ]
    run script -qec "'$HIVE' cp '$WORK/f' up:/f2" /dev/null
    [[ "$output" == *"Successfully copied 2.56kB to up:/f2"* ]]
    cd "$WORK"
    run script -qec "'$HIVE' cp up:/f2 back" /dev/null
    [[ "$output" == *"Successfully copied 2.56kB to $WORK/back"* ]]
    cmp "$WORK/f" "$WORK/back"
    run script -qec "'$HIVE' cp -q up:/f2 back2" /dev/null
    [[ "$output" != *"Successfully"* ]]
    [ -f "$WORK/back2" ]
}
