#!/usr/bin/env bash
# Builds hive's fuzz targets (Fuzz/Package.swift, libFuzzer + AddressSanitizer)
# and runs each for FUZZ_SECONDS (default 60). Exits non-zero if any target
# crashed, hung (-timeout) or ran out of memory; the input is then in
# .build-fuzz/artifacts/<target>/ (keep it under Fuzz/regressions/<target>/).
#
#   Fuzz/run.sh [TARGET...]     FUZZ_SECONDS=600 Fuzz/run.sh fuzz-tar
#   FUZZ_NOBUILD=1              skip the build
#   FUZZ_BINDIR=dir             run the targets from dir (a copy: rebuilds do not disturb a long run)
#   FUZZ_CORPUS=dir             the shared corpus (default ../shared/corpus)
#
# Corpora grow in .build-fuzz/corpus/<target> (kept between runs, not in git);
# seeds are written afresh from the shared corpus by Fuzz/seeds.py.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=$REPO/.build-fuzz
SECS=${FUZZ_SECONDS:-60}
CORPUS=${FUZZ_CORPUS:-$REPO/../shared/corpus}
ALL="fuzz-json fuzz-reference fuzz-dockerfile fuzz-shell fuzz-toml fuzz-template fuzz-tar fuzz-load"
TARGETS=${*:-$ALL}

if [ "$(id -u)" != 0 ]; then echo "fuzz: run as root (fuzz-tar and fuzz-load extract layers with owners and devices)" >&2; exit 2; fi
if [ ! -d "$CORPUS/json-test-suite" ]; then echo "fuzz: the shared corpus is not at $CORPUS (set FUZZ_CORPUS)" >&2; exit 2; fi

if [ -z "${FUZZ_NOBUILD:-}" ]; then
    echo "== building the fuzz targets (.build-fuzz)"
    mkdir -p "$OUT"
    (cd Fuzz && swift build -c release --scratch-path "$OUT" --sanitize=fuzzer --sanitize=address -Xswiftc -enable-testing) \
        > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; echo "fuzz: build failed (log: $OUT/build.log)" >&2; exit 2; }
fi
rm -rf "$OUT/seeds" && python3 Fuzz/seeds.py "$CORPUS" "$OUT/seeds" || exit 2
mkdir -p "$OUT/logs"

# Swift's own crash backtracer would race libFuzzer's handler.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_stack_use_after_return=0}

# One target: its result line goes to $OUT/logs/<target>.result.
run_one() {
    local t=$1 bin=${FUZZ_BINDIR:-$OUT/release}/$1 log=$OUT/logs/$1.log rc runs result
    local dict=(); [ -f "Fuzz/dict/$t.dict" ] && dict=(-dict="Fuzz/dict/$t.dict")
    if [ ! -x "$bin" ]; then printf '%-16s %8s %12s  %s\n' "$t" - - "FAILED: no $bin" > "$OUT/logs/$t.result"; return; fi
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "$OUT/seeds/$t" "Fuzz/regressions/$t"
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts/$t/" "${dict[@]}" \
        "$OUT/corpus/$t" "$OUT/seeds/$t" "Fuzz/regressions/$t" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc = 0 ]; then result=ok; else
        result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: libFuzzer|ERROR: AddressSanitizer|fuzz invariant|Fatal error|SUMMARY' "$log")"
    fi
    printf '%-16s %8s %12s  %s\n' "$t" "$SECS" "${runs:-?}" "$result" > "$OUT/logs/$t.result"
}

# FUZZ_JOBS targets at a time (default: one per CPU, at most 2)
JOBS=${FUZZ_JOBS:-$(( $(nproc) > 1 ? 2 : 1 ))}
rm -f "$OUT"/logs/*.result
for t in $TARGETS; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_one "$t" &
done
wait
printf '%-16s %8s %12s  %s\n' target seconds runs result
failed=()
for t in $TARGETS; do
    cat "$OUT/logs/$t.result"
    grep -q "  ok$" "$OUT/logs/$t.result" || failed+=("$t")
done
# what crashed targets left (the others remove theirs at exit)
for d in /dev/shm/hive-fuzz-tar.* /dev/shm/hive-fuzz-load.*; do
    [ -d "$d" ] && ! kill -0 "${d##*.}" 2>/dev/null && rm -rf "$d"
done
# fuzz-tar's fixed canary, once no fuzz-tar runs
compgen -G '/dev/shm/hive-fuzz-tar.*' >/dev/null || rm -rf /dev/shm/hive-fuzz-canary
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${failed[*]} failed; inputs in $OUT/artifacts/<target>/, logs in $OUT/logs/" >&2
    exit 1
fi
