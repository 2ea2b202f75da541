#!/usr/bin/env bats
# Hostile layer tars (security-cases.md): each is refused with a one-line
# error naming the entry, exit 125, nothing written outside, nothing stored.
load helpers

hostile() {
    local case=$1 want=$2
    local outside=$WORK/outside
    mkdir -p "$outside"
    $MKTAR "$case" "$WORK/$case.tar" "$outside"
    run_hive 125 import "$WORK/$case.tar" "hostile:$case"
    [ "${#lines[@]}" -eq 1 ] || { echo "not one line: $output"; return 1; }
    [[ "$output" == *"$want"* ]] || { echo "got: $output"; echo "want: $want"; return 1; }
    [ -z "$(ls -A "$outside")" ] || { echo "wrote outside: $(ls -A "$outside")"; return 1; }
    [ ! -e "$WORK/escaped" ]
    [ ! -e /tmp/escaped ]
    [ ! -e "$HIVE_ROOT/escaped" ]
    [ ! -e "$HIVE_ROOT/layers/escaped" ]
    assert_store_empty
    # the same layer through load (in an OCI layout, compressed or not) is refused too
    for c in gzip none; do
        python3 "$REPO/Tests/fixtures/mkoci.py" "$WORK/$case.tar" $c "$WORK/$case-oci.tar" >/dev/null
        run_hive 125 load -i "$WORK/$case-oci.tar"
        [[ "$output" == *"$want"* ]] || { echo "load ($c) got: $output"; return 1; }
        [ -z "$(ls -A "$outside")" ]
        assert_store_empty
    done
}

@test "hostile: ../ path" {
    hostile dotdot 'unsafe archive entry "../escaped": path climbs out with ".."'
}

@test "hostile: ../ inside a path" {
    hostile dotdot-deep 'unsafe archive entry "a/../../escaped": path climbs out'
}

@test "hostile: absolute path" {
    hostile absolute 'escaped": absolute path'
}

@test "hostile: a symlink, then a write through it" {
    hostile symlink-write 'unsafe archive entry "link/escaped": "link" is a symlink'
}

@test "hostile: a relative symlink climbing out, then a write through it" {
    hostile symlink-parent-write 'unsafe archive entry "d/link/escaped": "d/link" is a symlink'
}

@test "hostile: hardlink to a path outside (relative)" {
    hostile hardlink-out 'unsafe archive entry "h": hardlink target "../../../../etc/passwd" is outside the layer'
}

@test "hostile: hardlink to an absolute path" {
    hostile hardlink-abs 'unsafe archive entry "h": hardlink target "/etc/passwd" is outside the layer'
}

@test "hostile: hardlink to a file not in the layer" {
    hostile hardlink-missing 'hardlink target "etc/passwd" is not inside this layer'
}

@test "hostile: whiteout that climbs out (.wh..)" {
    hostile whiteout-climb 'unsafe archive entry "a/.wh..": whiteout'
}

@test "hostile: whiteout under ../" {
    hostile whiteout-dotdot 'unsafe archive entry "../.wh.escaped": path climbs out'
}

@test "hostile: entry name with a NUL byte" {
    hostile nul 'unsafe archive entry "evil\x00../../escaped": name contains a NUL byte'
}

@test "hostile: entry name that is not UTF-8" {
    hostile badutf8 'unsafe archive entry "bad-\xff-name": name is not valid UTF-8'
}

@test "hostile: whiteout under a symlinked parent" {
    hostile whiteout-symlink 'unsafe archive entry "l/.wh.canary": "l" is a symlink'
}

@test "hostile: entry with an empty name" {
    python3 - "$WORK/empty.tar" <<'PY'
import sys
# a ustar header whose name field is empty (Python's tarfile refuses to write one)
h = bytearray(512)
h[100:108] = b"0000644\0"; h[108:116] = b"0000000\0"; h[116:124] = b"0000000\0"
h[124:136] = b"00000000000\0"; h[136:148] = b"14500000000\0"; h[156:157] = b"0"; h[257:265] = b"ustar\x0000"
h[148:156] = b"        "
h[148:156] = (b"%06o\0 " % sum(h))
open(sys.argv[1], "wb").write(bytes(h) + bytes(1024))
PY
    run_hive 125 import "$WORK/empty.tar" e:1
    [ "${#lines[@]}" -eq 1 ]
    assert_store_empty
}

@test "a directory entry replaces a symlink instead of following it" {
    outside=$WORK/outside; mkdir -p "$outside"
    $MKTAR dir-override-symlink "$WORK/t.tar" "$outside"
    hive import "$WORK/t.tar" t:1 >/dev/null
    [ -z "$(ls -A "$outside")" ]
    d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' t:1)
    [ -d "$d/d" ]
    [ ! -L "$d/d" ]
    [ "$(cat "$d/d/inside")" = "stays in the layer" ]
}

@test "a file entry over a hardlinked symlink replaces it, never writes through it" {
    outside=$WORK/outside; mkdir -p "$outside"; echo canary > "$outside/canary"
    $MKTAR hardlink-to-symlink "$WORK/t.tar" "$outside"
    hive import "$WORK/t.tar" t:1 >/dev/null
    [ "$(cat "$outside/canary")" = "canary" ]
    d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' t:1)
    [ "$(cat "$d/h")" = "overwrite?" ]
    [ -L "$d/l" ]
}

@test "a truncated or corrupt archive is refused and leaves nothing" {
    $MKTAR truncated "$WORK/t.tar"
    run_hive 125 import "$WORK/t.tar" x:1
    [[ "$output" == *"Truncated tar archive"* ]]
    assert_store_empty
    $MKTAR garbage "$WORK/g.tar"
    run_hive 125 import "$WORK/g.tar" x:1
    [[ "$output" == *"is not a tar archive"* ]]
    assert_store_empty
    # a gzip stream cut short
    gzip -c "$(base_tar)" | head -c 200000 > "$WORK/cut.tar.gz"
    run_hive 125 import "$WORK/cut.tar.gz" x:1
    [ "${#lines[@]}" -eq 1 ]
    assert_store_empty
}

@test "whiteouts become overlayfs whiteouts; owners, modes, setuid, xattrs, hardlinks kept" {
    $MKTAR good "$WORK/good.tar"
    hive import "$WORK/good.tar" good:1 >/dev/null
    d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' good:1)
    [ "$(stat -c '%F %t:%T %u:%g' "$d/dir/gone")" = "character special file 0:0 0:0" ]
    [ "$(getfattr --only-values -n trusted.overlay.opaque "$d/dir")" = "y" ]
    [ ! -e "$d/dir/.wh.gone" ]
    [ ! -e "$d/dir/.wh..wh..opq" ]
    [ "$(stat -c '%a %u:%g' "$d/dir/suid")" = "4755 1000:1001" ]
    [ "$(stat -c '%a %u:%g' "$d/dir/data")" = "640 33:33" ]
    [ "$(stat -c '%a' "$d/dir")" = "750" ]
    [ "$(stat -c '%a' "$d/sticky")" = "1777" ]
    [ "$(stat -c '%F' "$d/fifo")" = "fifo" ]
    [ "$(getfattr --only-values -n user.hive "$d/dir/data")" = "yes" ]
    [ "$(stat -c '%i' "$d/dir/data")" = "$(stat -c '%i' "$d/dir/hard")" ]
    [ "$(readlink "$d/dir/sym")" = "data" ]
    [ "$(stat -c '%Y' "$d/dir/data")" = "1700000000" ]
    [ "$(stat -c '%Y' "$d/dir")" = "1700000000" ]
}

@test "a layer may not forge overlayfs xattrs" {
    python3 - "$WORK/forge.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    i = tarfile.TarInfo("d"); i.type = tarfile.DIRTYPE; i.mode = 0o755
    i.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/etc"}
    t.addfile(i)
PY
    hive import "$WORK/forge.tar" forge:1 >/dev/null
    d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' forge:1)
    run getfattr -n trusted.overlay.redirect "$d/d"
    [ "$status" -ne 0 ]
}
