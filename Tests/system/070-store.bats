#!/usr/bin/env bats
# The store: layers shared by chainID, concurrent writers, kill -9 at any moment.
load helpers

# Every image's layers and blobs are present, and nothing unreferenced is left.
assert_store_consistent() {
    local ids layers blobs
    for id in $(hive images -aq --no-trunc); do
        d=$(hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' "$id")
        [ -d "$d" ] || { echo "image $id: layer dir missing"; return 1; }
        hive save -o "$WORK/check.tar" "$id" || { echo "image $id cannot be saved"; return 1; }
        rm -f "$WORK/check.tar"
    done
    # one more command sweeps what an interrupted one left behind
    hive images >/dev/null
    [ -z "$(ls "$HIVE_ROOT/tmp")" ] || { echo "tmp not swept: $(ls "$HIVE_ROOT/tmp")"; return 1; }
    [ ! -e "$HIVE_ROOT/gc-pending" ] || { echo "gc-pending left"; return 1; }
    layers=$(ls "$HIVE_ROOT/layers" | wc -l)
    want=$(for id in $(hive images -aq --no-trunc); do hive image inspect -f '{{.GraphDriver.Data.UpperDir}}' "$id"; done | sort -u | wc -l)
    [ "$layers" -eq "$want" ] || { echo "layers on disk $layers, referenced $want"; return 1; }
    # every blob on disk is referenced (layers with a tar-split need no stored blob)
    for id in $(hive images -aq --no-trunc); do hive save "$id" | tar -t | grep '^blobs/sha256/.'; done | sort -u > "$WORK/referenced"
    for b in $(ls "$HIVE_ROOT/blobs/sha256"); do
        grep -qx "blobs/sha256/$b" "$WORK/referenced" || { echo "unreferenced blob $b"; return 1; }
    done
}

@test "two images on one base store the base layer once (du)" {
    import_busybox a:1
    one=$(du -sk "$HIVE_ROOT" | cut -f1)
    hive import --change 'CMD ["echo", "two"]' "$(base_tar)" b:1 >/dev/null
    python3 "$REPO/Tests/fixtures/mkoci.py" "$(base_tar)" gzip "$WORK/c.tar" >/dev/null
    hive load -i "$WORK/c.tar" >/dev/null
    two=$(du -sk "$HIVE_ROOT" | cut -f1)
    [ "$(ls "$HIVE_ROOT/layers" | wc -l)" -eq 1 ]
    layer=$(du -sk "$HIVE_ROOT/layers" | cut -f1)
    echo "store: one image ${one}K, three images ${two}K, layer ${layer}K"
    # the second and third images add their blobs (the gzip one is compressed) but no layer
    [ $((two - one)) -lt "$layer" ]
}

@test "concurrent loads of the same archive both succeed and store each layer once" {
    python3 "$REPO/Tests/fixtures/mkbig.py" "$WORK/big.tar" 1500
    python3 "$REPO/Tests/fixtures/mkoci.py" "$WORK/big.tar" gzip "$WORK/big-oci.tar" >/dev/null
    "$HIVE" load -i "$WORK/big-oci.tar" > "$WORK/1.out" 2>&1 &
    p1=$!
    "$HIVE" load -i "$WORK/big-oci.tar" > "$WORK/2.out" 2>&1 &
    p2=$!
    wait $p1 || { cat "$WORK/1.out"; return 1; }
    wait $p2 || { cat "$WORK/2.out"; return 1; }
    grep -q "Loaded image: localhost/oci/test:gzip" "$WORK/1.out"
    grep -q "Loaded image: localhost/oci/test:gzip" "$WORK/2.out"
    [ "$(hive images -q | wc -l)" -eq 1 ]
    assert_store_consistent
}

@test "concurrent imports, tags and removals keep the store consistent" {
    import_busybox
    for i in 1 2 3 4; do
        ( hive import "$(base_tar)" "img$i:1" >/dev/null && hive tag "img$i:1" "t$i:1" && hive rmi "img$i:1" >/dev/null ) &
    done
    wait
    [ "$(hive images --format '{{.Repository}}' | sort | tr '\n' ' ')" = "busybox t1 t2 t3 t4 " ]
    assert_store_consistent
}

@test "kill -9 during import at any moment leaves a working store" {
    python3 "$REPO/Tests/fixtures/mkbig.py" "$WORK/big.tar" 1500
    for delay in 0.01 0.05 0.1 0.2 0.4 0.8; do
        "$HIVE" import "$WORK/big.tar" "big:$delay" >/dev/null 2>&1 &
        pid=$!
        sleep $delay
        kill -9 $pid 2>/dev/null || true
        wait $pid 2>/dev/null || true
        run_hive 0 images
        assert_store_consistent
    done
    # and the store still imports
    run_hive 0 import "$WORK/big.tar" big:final
    assert_store_consistent
}

@test "kill -9 during load at any moment leaves a working store" {
    python3 "$REPO/Tests/fixtures/mkbig.py" "$WORK/big.tar" 1500
    python3 "$REPO/Tests/fixtures/mkoci.py" "$WORK/big.tar" zstd "$WORK/big-oci.tar" >/dev/null
    for delay in 0.01 0.05 0.1 0.2 0.4 0.8; do
        "$HIVE" load -i "$WORK/big-oci.tar" >/dev/null 2>&1 &
        pid=$!
        sleep $delay
        kill -9 $pid 2>/dev/null || true
        wait $pid 2>/dev/null || true
        run_hive 0 images
        assert_store_consistent
        hive rmi -f localhost/oci/test:zstd >/dev/null 2>&1 || true
    done
}

@test "a store written by a newer hive is refused clearly" {
    import_busybox
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=99'); c.commit()" "$HIVE_ROOT/hive.db"
    run_hive 125 images
    [[ "$output" == *"schema version 99"*"upgrade hive"* ]]
}

@test "the state database keeps a write-ahead log that a detached checkpoint keeps small" {
    import_busybox
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])" "$HIVE_ROOT/hive.db" > "$WORK/mode"
    [ "$(cat "$WORK/mode")" = "wal" ]
    # each create adds ~22 KB to the log: 120 of them would leave 2.7 MB
    # without checkpoints. The detached checkpoints copy and empty it near
    # 0.5 MB; the committing command's own backstop (2 MB) is not enough here.
    max=0
    for i in $(seq 120); do
        hive create busybox true >/dev/null
        size=$(stat -c %s "$HIVE_ROOT/hive.db-wal" 2>/dev/null || echo 0)
        [ "$size" -le "$max" ] || max=$size
    done
    echo "log: at most $max bytes over 120 creates"
    [ "$max" -lt $((1500 * 1024)) ]
    [ "$(hive ps -aq | wc -l)" -eq 120 ]
    # an older store with a rollback journal is switched on its next use
    hive rm -f $(hive ps -aq) >/dev/null
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=PERSIST')" "$HIVE_ROOT/hive.db"
    hive images >/dev/null
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])" "$HIVE_ROOT/hive.db" > "$WORK/mode"
    [ "$(cat "$WORK/mode")" = "wal" ]
}
