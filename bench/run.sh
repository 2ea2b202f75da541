#!/usr/bin/env bash
# Side-by-side benchmarks: hive against podman (and plain tar), one hyperfine
# run per comparison, ratios printed. Not tests: `make bench` runs them.
#
#   bench/run.sh [images|import|load|save|run|lifecycle|hooks|build|rss|security|reshape|registry|network|services|cleanup|all]
#
# Stores live under $BENCH_DIR (default /var/tmp/hive-bench, on the root disk,
# the same disk as tar's target). Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
HIVE=${HIVE:-$PWD/.build/release/hive}
BENCH_DIR=${BENCH_DIR:-/var/tmp/hive-bench}
RUNS=${RUNS:-10}
OUT=bench/results
mkdir -p "$OUT" "$BENCH_DIR"
export HIVE_ROOT=$BENCH_DIR/hive-root HIVE_RUNROOT=$BENCH_DIR/hive-run
P="podman --root $BENCH_DIR/podman-root --runroot $BENCH_DIR/podman-run --storage-driver overlay"
ROOTFS=$BENCH_DIR/rootfs.tar
[ -f "$ROOTFS" ] || python3 bench/mkrootfs.py "$ROOTFS"
[ -f "$BENCH_DIR/base.tar" ] || scripts/mkbase.sh > "$BENCH_DIR/base.tar"

hf() {  # name, hyperfine args...
    local name=$1; shift
    hyperfine -N --style basic --export-markdown "$OUT/$name.md" --export-json "$OUT/$name.json" "$@"
    python3 - "$OUT/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]
for x in r[1:]:
    print("ratio: %s / %s = %.2fx (%.1f ms vs %.1f ms median)" % (
        x["command"], base["command"], x["median"] / base["median"], x["median"] * 1e3, base["median"] * 1e3))
PY
}

images() {
    $HIVE images -q | grep -q . || $HIVE import --change 'CMD ["sh"]' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    for i in $(seq 1 20); do $HIVE tag busybox "bench/img$i:v1"; done
    $P images -q | grep -q . || $P import "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    for i in $(seq 1 20); do $P tag busybox "bench/img$i:v1"; done
    hf images -w 5 -r 100 "$HIVE images" "$P images"
}

import() {
    rm -rf "$BENCH_DIR/tar-x"
    hf import -r "$RUNS" \
        --prepare "sh -c 'rm -rf $BENCH_DIR/tar-x; mkdir -p $BENCH_DIR/tar-x; sync'" "tar -xf $ROOTFS -C $BENCH_DIR/tar-x" \
        --prepare "sh -c '$HIVE rmi -f bench:import >/dev/null 2>&1; $HIVE images >/dev/null; sync'" "$HIVE import $ROOTFS bench:import" \
        --prepare "sh -c '$P rmi -f bench:import >/dev/null 2>&1; sync'" "$P import $ROOTFS bench:import"
    rm -rf "$BENCH_DIR/tar-x"
}

load() {
    $HIVE image inspect bench:import >/dev/null 2>&1 || $HIVE import "$ROOTFS" bench:import >/dev/null
    [ -f "$BENCH_DIR/archive.tar" ] || $HIVE save -o "$BENCH_DIR/archive.tar" bench:import
    hf load -r "$RUNS" \
        --prepare "sh -c 'rm -rf $BENCH_DIR/tar-x; mkdir -p $BENCH_DIR/tar-x; sync'" "tar -xf $ROOTFS -C $BENCH_DIR/tar-x" \
        --prepare "sh -c '$HIVE rmi -f bench:import >/dev/null 2>&1; $HIVE images >/dev/null; sync'" "$HIVE load -i $BENCH_DIR/archive.tar" \
        --prepare "sh -c '$P rmi -f bench:import >/dev/null 2>&1; sync'" "$P load -i $BENCH_DIR/archive.tar"
    rm -rf "$BENCH_DIR/tar-x"
}

save() {
    $HIVE image inspect bench:import >/dev/null 2>&1 || $HIVE import "$ROOTFS" bench:import >/dev/null
    $P image inspect bench:import >/dev/null 2>&1 || $P import "$ROOTFS" bench:import >/dev/null
    hf save -r "$RUNS" --prepare "sh -c 'rm -f $BENCH_DIR/out.tar; sync'" \
        "$HIVE save -o $BENCH_DIR/out.tar bench:import" \
        "$P save -o $BENCH_DIR/out.tar bench:import"
    rm -f "$BENCH_DIR/out.tar"
}

run_() {
    $HIVE image inspect busybox:latest >/dev/null 2>&1 || $HIVE import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    $P image inspect busybox:latest >/dev/null 2>&1 || $P import "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    # the bare OCI runtime on the same rootfs: crun (Debian's 1.8.1 refuses
    # hybrid cgroups while the unified hierarchy lists a controller; mounting
    # hugetlb as a v1 hierarchy empties it, as ../shared/peers says)
    local C=()
    if command -v crun >/dev/null; then
        local b=$BENCH_DIR/crun-bundle
        if [ ! -f "$b/config.json" ]; then
            rm -rf "$b"; mkdir -p "$b/rootfs"; tar -xf "$BENCH_DIR/base.tar" -C "$b/rootfs"
            (cd "$b" && crun spec && python3 -c '
import json; c = json.load(open("config.json"))
c["process"]["args"] = ["true"]; c["process"]["terminal"] = False
json.dump(c, open("config.json", "w"), indent=1)')
        fi
        if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && [ ! -d /sys/fs/cgroup/hugetlb ]; then
            mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
        fi
        (cd "$b" && crun run --bundle "$b" hive-bench-crun) && C=("crun run --bundle $b hive-bench-crun")
        # the same with Docker's default seccomp profile, which hive applies
        # (crun's default spec has none)
        local bs=$BENCH_DIR/crun-seccomp
        if [ ! -f "$bs/config.json" ]; then
            mkdir -p "$bs"; ln -sfn "$b/rootfs" "$bs/rootfs"; cp "$b/config.json" "$bs/config.json"
            python3 bench/oci-seccomp.py ../shared/corpus/moby-seccomp/default.json "$bs/config.json"
        fi
        (cd "$bs" && crun run --bundle "$bs" hive-bench-crun-sc) && C+=("crun run --bundle $bs hive-bench-crun-sc")
    fi
    hf run -w 3 -r 40 "$HIVE run --rm busybox true" "$P run --rm busybox true" "${C[@]}"
}

# create, exec, stop -t 0, rm, and ps -a with 500 containers
lifecycle() {
    run_ >/dev/null 2>&1 || true
    $HIVE rm -f bench-exec >/dev/null 2>&1 || true
    $P rm -f bench-exec >/dev/null 2>&1 || true
    $HIVE run -d --name bench-exec busybox sleep 3600 >/dev/null
    $P run -d --name bench-exec busybox sleep 3600 >/dev/null
    hf exec -w 3 -r 30 "$HIVE exec bench-exec true" "$P exec bench-exec true"
    hf create -w 3 -r 30 --prepare "sh -c '$HIVE rm -f bench-create >/dev/null 2>&1; $P rm -f bench-create >/dev/null 2>&1; true'" \
        "$HIVE create --name bench-create busybox true" "$P create --name bench-create busybox true"
    hf stop -r 15 --prepare "sh -c '$HIVE rm -f bench-stop >/dev/null 2>&1; $HIVE run -d --name bench-stop busybox sleep 3600 >/dev/null'" \
        "$HIVE stop -t 0 bench-stop" \
        --prepare "sh -c '$P rm -f bench-stop >/dev/null 2>&1; $P run -d --name bench-stop busybox sleep 3600 >/dev/null'" \
        "$P stop -t 0 bench-stop"
    hf rm -r 15 --prepare "sh -c '$HIVE rm -f bench-rm >/dev/null 2>&1; $HIVE run --name bench-rm busybox true'" "$HIVE rm bench-rm" \
        --prepare "sh -c '$P rm -f bench-rm >/dev/null 2>&1; $P run --name bench-rm busybox true'" "$P rm bench-rm"
    $HIVE rm -f bench-exec >/dev/null; $P rm -f bench-exec >/dev/null
    n=$($HIVE ps -aq | wc -l)
    while [ "$n" -lt 500 ]; do $HIVE create busybox true >/dev/null; n=$((n + 1)); done
    n=$($P ps -aq | wc -l)
    while [ "$n" -lt 500 ]; do $P create busybox true >/dev/null; n=$((n + 1)); done
    hf ps -w 3 -r 20 "$HIVE ps -a" "$P ps -a"
    # the monitor beside a detached container, and podman's conmon
    $HIVE rm -f bench-rss >/dev/null 2>&1 || true
    id=$($HIVE run -d --name bench-rss busybox sleep 3600)
    $P rm -f bench-rss >/dev/null 2>&1 || true
    $P run -d --name bench-rss busybox sleep 3600 >/dev/null
    sleep 0.5
    for pat in "hive-monitor $id" "conmon .*bench-rss"; do
        pid=$(pgrep -f "$pat" | head -1)
        [ -n "$pid" ] && echo "monitor RSS: $pat: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)" | tee -a "$OUT/rss.txt"
    done
    $HIVE rm -f bench-rss >/dev/null; $P rm -f bench-rss >/dev/null
}

# `run --rm` with no hooks vs ten hooks listening to every event it fires;
# `ps` (which fires none) with hooks configured; podman as the reference.
hooks() {
    run_ >/dev/null 2>&1 || true
    : > "$BENCH_DIR/hive.toml"
    export HIVE_CONFIG=$BENCH_DIR/hive.toml
    rm -rf "$BENCH_DIR/hooks0" "$BENCH_DIR/hooks10"
    mkdir -p "$BENCH_DIR/hooks0" "$BENCH_DIR/hooks10"
    for i in $(seq -w 1 10); do
        cat > "$BENCH_DIR/hooks10/$i-bench.lua" <<'EOF'
local n = 0
hive.on("pre-create", function(c) c.labels["bench"] = "1" end)
for _, e in ipairs({"post-create", "pre-start", "post-start", "on-exit", "on-stop", "on-remove"}) do
  hive.on(e, function(c) n = n + 1 end)
end
EOF
    done
    chmod 0644 "$BENCH_DIR/hooks10/"*.lua
    $HIVE --hooks-dir "$BENCH_DIR/hooks10" run --rm busybox true  # warms the cache bundle
    hf hooks-run -w 5 -r 40 "$HIVE --hooks-dir $BENCH_DIR/hooks0 run --rm busybox true" \
        "$HIVE --hooks-dir $BENCH_DIR/hooks10 run --rm busybox true" "$P run --rm busybox true"
    # the 1 ms question is smaller than this machine's drift between two
    # 40-run batches: six more rounds, in alternating order, pooled
    for round in 1 2 3 4 5 6; do
        a="$HIVE --hooks-dir $BENCH_DIR/hooks0 run --rm busybox true" b="$HIVE --hooks-dir $BENCH_DIR/hooks10 run --rm busybox true"
        [ $((round % 2)) = 0 ] && { t=$a; a=$b; b=$t; }
        hyperfine -N --style none -w 3 -r 30 --export-json "$OUT/hooks-run-round$round.json" "$a" "$b" >/dev/null
    done
    python3 - "$OUT"/hooks-run-round*.json <<'PY' | tee "$OUT/hooks-run-pooled.txt"
import json, statistics, sys
pooled, deltas = {}, []
for f in sys.argv[1:]:
    r = {("hooks10" if "hooks10" in x["command"] else "hooks0"): x for x in json.load(open(f))["results"]}
    for k, x in r.items(): pooled.setdefault(k, []).extend(x["times"])
    deltas.append((r["hooks10"]["median"] - r["hooks0"]["median"]) * 1e3)
m0, m10 = statistics.median(pooled["hooks0"]) * 1e3, statistics.median(pooled["hooks10"]) * 1e3
print("pooled over %d rounds: 0 hooks %.2f ms, 10 hooks %.2f ms median: %.2f ms added" % (len(deltas), m0, m10, m10 - m0))
print("per round (ms added): " + ", ".join("%.2f" % d for d in deltas) + "; median %.2f" % statistics.median(deltas))
PY
    hf hooks-ps -w 5 -r 100 "$HIVE --hooks-dir $BENCH_DIR/hooks0 ps -a" "$HIVE --hooks-dir $BENCH_DIR/hooks10 ps -a" "$P ps -a"
    # the time spent inside the hook engine, as the process itself measures it
    for n in 1 10; do
        d=$BENCH_DIR/hooks$n
        [ -d "$d" ] || { mkdir -p "$d"; cp "$BENCH_DIR/hooks10/01-bench.lua" "$d/"; }
        for i in $(seq 30); do $HIVE --log-level debug --hooks-dir "$d" run --rm busybox true 2>&1 | sed -n 's/.*hooks: .*, \([0-9]*\) us$/\1/p'; done \
            | sort -n | awk -v n=$n '{a[NR]=$1} END {printf "in-process hook time, %d hook file(s) x 7 events: median %d us (min %d, max %d)\n", n, a[int((NR+1)/2)], a[1], a[NR]}' \
            | tee -a "$OUT/hooks-inprocess.txt"
    done
}

# the six-step Dockerfile of the build issue: cold (--no-cache) and fully cached,
# against podman build (and docker build when dockerd is installed)
build() {
    run_ >/dev/null 2>&1 || true
    c=$BENCH_DIR/build-ctx
    mkdir -p "$c"
    echo "hello" > "$c/file.txt"
    printf 'FROM busybox\nENV GREETING=hi\nCOPY file.txt /app/file.txt\nRUN echo "$GREETING" > /app/run.txt\nWORKDIR /app\nCMD ["cat", "run.txt"]\n' > "$c/Dockerfile"
    $HIVE build -q -t bench-build "$c" >/dev/null
    $P build -q --pull=never -t bench-build "$c" >/dev/null
    local D=()
    if command -v dockerd >/dev/null; then
        mkdir -p /run/hive-bench-docker
        dockerd --host unix:///run/hive-bench-docker/docker.sock --data-root "$BENCH_DIR/docker-data" \
            --exec-root /run/hive-bench-docker/exec --storage-driver overlay2 --bridge none --iptables=false \
            --ip6tables=false --ip-masq=false >"$BENCH_DIR/dockerd.log" 2>&1 &
        dpid=$!
        for _ in $(seq 100); do [ -S /run/hive-bench-docker/docker.sock ] && break; sleep 0.1; done
        DK="docker -H unix:///run/hive-bench-docker/docker.sock"
        $HIVE save busybox | $DK load -q >/dev/null
        $DK build -q -t bench-build "$c" >/dev/null && D=("$DK build -q -t bench-build $c")
    else
        echo "docker build: dockerd is not installed (apt-get install docker.io); see ../shared/peers for its figures"
    fi
    hf build-cached -w 3 -r 20 "$HIVE build -q -t bench-build $c" "$P build -q --pull=never -t bench-build $c" "${D[@]}"
    hf build-cold -w 1 -r 10 "$HIVE build -q --no-cache -t bench-build $c" \
        "$P build -q --pull=never --no-cache -t bench-build $c" "${D[@]/build -q/build -q --no-cache}"
    [ -n "${dpid:-}" ] && kill "$dpid" && wait "$dpid" 2>/dev/null || true
}

rss() {
    $HIVE images -q | grep -q . || $HIVE import "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    for cmd in "$HIVE images" "$P images"; do
        kb=$( { /usr/bin/time -f '%M' $cmd >/dev/null; } 2>&1 | tail -1)
        echo "peak RSS: $cmd: $kb KB" | tee -a "$OUT/rss.txt"
    done
}

# What the protections of issue #10 cost: `run --rm` and `exec` of this build
# beside a build without them ($HIVE_BEFORE, e.g. built from cc21252) and
# podman, in one hyperfine run each, so load and drift hit all alike. Each
# binary has its own store (the state file format is the same).
security() {
    run_ >/dev/null 2>&1 || true
    local B=()
    if [ -n "${HIVE_BEFORE:-}" ]; then
        local broot=$BENCH_DIR/hive-before-root
        HIVE_ROOT=$broot $HIVE_BEFORE image inspect busybox:latest >/dev/null 2>&1 || HIVE_ROOT=$broot $HIVE_BEFORE import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
        B=("env HIVE_ROOT=$broot $HIVE_BEFORE run --rm busybox true")
    fi
    hf security-run -w 5 -r 60 "env HIVE_ROOT=$HIVE_ROOT $HIVE run --rm busybox true" "${B[@]}" "$P run --rm busybox true"
    $HIVE rm -f bench-exec >/dev/null 2>&1 || true
    $P rm -f bench-exec >/dev/null 2>&1 || true
    $HIVE run -d --name bench-exec busybox sleep 3600 >/dev/null
    $P run -d --name bench-exec busybox sleep 3600 >/dev/null
    B=()
    if [ -n "${HIVE_BEFORE:-}" ]; then
        HIVE_ROOT=$broot $HIVE_BEFORE rm -f bench-exec >/dev/null 2>&1 || true
        HIVE_ROOT=$broot $HIVE_BEFORE run -d --name bench-exec busybox sleep 3600 >/dev/null
        B=("env HIVE_ROOT=$broot $HIVE_BEFORE exec bench-exec true")
    fi
    hf security-exec -w 5 -r 60 "env HIVE_ROOT=$HIVE_ROOT $HIVE exec bench-exec true" "${B[@]}" "$P exec bench-exec true"
    $HIVE rm -f bench-exec >/dev/null; $P rm -f bench-exec >/dev/null
    [ -n "${HIVE_BEFORE:-}" ] && HIVE_ROOT=$broot $HIVE_BEFORE rm -f bench-exec >/dev/null || true
}

# What the reshape (issue #11) costs: the verbs that go through the moved code
# (run, create, ps, a cached build, import), this build beside the build before
# it ($HIVE_BEFORE), alternating in one hyperfine run each. Each binary has its
# own store (the state file format is the same).
reshape() {
    [ -n "${HIVE_BEFORE:-}" ] || { echo "reshape: set HIVE_BEFORE to the previous build's hive" >&2; return 1; }
    local broot=$BENCH_DIR/hive-before-root now=$BENCH_DIR/hive-now-root
    local A="env HIVE_ROOT=$now $HIVE" B="env HIVE_ROOT=$broot $HIVE_BEFORE"
    for h in "$A" "$B"; do
        $h image inspect busybox:latest >/dev/null 2>&1 || $h import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]' \
            "$BENCH_DIR/base.tar" busybox:latest >/dev/null
        $h rm -f $($h ps -aq) >/dev/null 2>&1 || true
        for i in $(seq 1 50); do $h create --name "bench-ps-$i" busybox true >/dev/null; done
    done
    hf reshape-run -w 5 -r 60 "$A run --rm busybox true" "$B run --rm busybox true"
    hf reshape-create -w 3 -r 40 --prepare "sh -c '$A rm -f bench-create >/dev/null 2>&1 || true'" "$A create --name bench-create busybox true" \
        --prepare "sh -c '$B rm -f bench-create >/dev/null 2>&1 || true'" "$B create --name bench-create busybox true"
    hf reshape-ps -w 5 -r 60 "$A ps -a" "$B ps -a"
    local c=$BENCH_DIR/build-ctx
    mkdir -p "$c"
    echo "hello" > "$c/file.txt"
    printf 'FROM busybox\nENV GREETING=hi\nCOPY file.txt /app/file.txt\nRUN echo "$GREETING" > /app/run.txt\nWORKDIR /app\nCMD ["cat", "run.txt"]\n' > "$c/Dockerfile"
    $A build -q -t bench-build "$c" >/dev/null; $B build -q -t bench-build "$c" >/dev/null
    hf reshape-build-cached -w 3 -r 30 "$A build -q -t bench-build $c" "$B build -q -t bench-build $c"
    hf reshape-import -w 2 -r 20 --prepare "sh -c '$A rmi -f bench:import >/dev/null 2>&1 || true'" "$A import $BENCH_DIR/base.tar bench:import" \
        --prepare "sh -c '$B rmi -f bench:import >/dev/null 2>&1 || true'" "$B import $BENCH_DIR/base.tar bench:import"
    for h in "$A" "$B"; do $h rm -f $($h ps -aq) >/dev/null 2>&1 || true; done
}

# Registries (issue #12): pull and push of a ~200 MB, three-layer Debian image
# (bench/mkregimage.sh: mmdebstrap) through loopback docker-registries, hive
# against podman. The image is put in the source registry by podman; each
# side has its own stores for this section: a cold one emptied before every
# pull, a warm one holding the image (the all-layers-present pull, push).
reg_start() {  # NAME: a docker-registry on a free port, storage under $BENCH_DIR/NAME; sets REG_ADDR
    local d=$BENCH_DIR/$1 port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$d/storage"
    printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: "127.0.0.1:%s"}\n' \
        "$d/storage" "$port" > "$d/config.yml"
    docker-registry serve "$d/config.yml" > "$d/log" 2>&1 &
    REG_PIDS="${REG_PIDS:-} $!"
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
    REG_ADDR=127.0.0.1:$port
}

registry() {
    local img=$BENCH_DIR/regimg
    [ -f "$img/oci/index.json" ] || bench/mkregimage.sh "$img"
    REG_PIDS=""
    trap 'kill $REG_PIDS 2>/dev/null || true' RETURN
    reg_start registry-src; local SRC=$REG_ADDR
    reg_start registry-dst; local DST=$REG_ADDR
    local ref=$SRC/bench/debian:latest
    local hc=$BENCH_DIR/hive-reg-cold hw=$BENCH_DIR/hive-reg-warm
    local pc="$BENCH_DIR/podman-reg-cold" pw="$BENCH_DIR/podman-reg-warm"
    local PC="podman --root $pc/root --runroot $pc/run --storage-driver overlay"
    local PW="podman --root $pw/root --runroot $pw/run --storage-driver overlay"
    local HC="env HIVE_ROOT=$hc/root HIVE_RUNROOT=$hc/run $HIVE" HW="env HIVE_ROOT=$hw/root HIVE_RUNROOT=$hw/run $HIVE"
    # the image into the source registry, by podman
    if ! skopeo inspect --tls-verify=false "docker://$ref" >/dev/null 2>&1; then
        local id; id=$($PW pull -q "oci:$img/oci:bench")
        $PW push -q --tls-verify=false "$id" "docker://$ref"
    fi
    skopeo inspect --tls-verify=false "docker://$ref" | python3 -c '
import json, sys; m = json.load(sys.stdin)
print("image: %d layers, %s" % (len(m["Layers"]), m["Name"]))'
    du -sh "$BENCH_DIR/registry-src/storage" | sed 's/^/registry storage: /'
    # the warm stores: the image present, tagged for the destination registry
    mkdir -p "$hc" "$hw"
    $HW pull -q "$ref" >/dev/null && $HW tag "$ref" "$DST/bench/debian:latest"
    $PW pull -q --tls-verify=false "$ref" >/dev/null && $PW tag "$ref" "$DST/bench/debian:latest"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/registry-load.txt"
    hf registry-pull -w 1 -r "${RUNS_REG:-5}" \
        --prepare "sh -c 'rm -rf $hc; mkdir -p $hc; sync'" "$HC pull -q $ref" \
        --prepare "sh -c 'rm -rf $pc; sync'" "$PC pull -q --tls-verify=false $ref"
    hf registry-pull-present -w 3 -r 30 "$HW pull -q $ref" "$PW pull -q --tls-verify=false $ref"
    hf registry-push -w 1 -r "${RUNS_REG:-5}" \
        --prepare "sh -c 'rm -rf $BENCH_DIR/registry-dst/storage/docker; sync'" "$HW push -q $DST/bench/debian:latest" \
        --prepare "sh -c 'rm -rf $BENCH_DIR/registry-dst/storage/docker; sync'" "$PW push -q --tls-verify=false $DST/bench/debian:latest"
    # peak memory of the cold pull
    for side in hive podman; do
        local cmd
        if [ $side = hive ]; then rm -rf "$hc"; mkdir -p "$hc"; cmd="$HC pull -q $ref"; else rm -rf "$pc"; cmd="$PC pull -q --tls-verify=false $ref"; fi
        sync
        kb=$( { /usr/bin/time -f '%M' $cmd >/dev/null; } 2>&1 | tail -1)
        echo "peak RSS of the cold pull: $side: $kb KB" | tee -a "$OUT/registry-rss.txt"
    done
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/registry-load.txt"
}

# Networking (issue #13), inside network namespaces this section makes (the
# machine's own network is never touched): `run --rm` on the default bridge
# and with -p beside --network none and podman's bridge (CNI), in one
# hyperfine run; then TCP throughput (iperf3, the host's binary run inside
# the containers through a read-only bind of / and chroot: one binary for
# every side) through a published port from an "upstream" namespace and
# container to container on a user network, against a plain veth pair
# between two namespaces and podman's equivalents.
network() {
    if [ -z "${HIVE_BENCH_NETNS:-}" ]; then
        local ns=hive-bench-net-$$
        ip netns add "$ns"
        trap "ip netns del $ns 2>/dev/null || true" RETURN EXIT  # EXIT: set -e ends the script on a failure
        nsenter --net="/run/netns/$ns" ip link set lo up
        HIVE_BENCH_NETNS=$ns nsenter --net="/run/netns/$ns" "$PWD/bench/run.sh" network
        return
    fi
    # globals, not locals: the EXIT trap (a failed step under set -e) runs when the function's are gone
    up=hive-bench-up-$$ a=hive-bench-a-$$ b=hive-bench-b-$$ r1=hive-bench-r1-$$ r2=hive-bench-r2-$$ r3=hive-bench-r3-$$
    export HIVE_ROOT=$BENCH_DIR/net-root HIVE_RUNROOT=$BENCH_DIR/net-run
    PN="podman --root $BENCH_DIR/net-podman-root --runroot $BENCH_DIR/net-podman-run --storage-driver overlay"
    net_cleanup() {
        $HIVE rm -f $($HIVE ps -aq) >/dev/null 2>&1 || true
        $PN rm -af -t 0 >/dev/null 2>&1 || true
        local f n
        for f in net-iperf3.pid net-iperf3-routed.pid; do
            [ -s "$BENCH_DIR/$f" ] && kill "$(cat "$BENCH_DIR/$f")" 2>/dev/null; rm -f "$BENCH_DIR/$f"
        done
        for n in "$up" "$a" "$b" "$r1" "$r2" "$r3"; do ip netns del "$n" 2>/dev/null || true; done
    }
    trap net_cleanup RETURN EXIT  # a failed step (set -e) leaves no namespace, container or iperf3 daemon behind
    $HIVE image inspect busybox:latest >/dev/null 2>&1 || $HIVE import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    $PN image inspect busybox:latest >/dev/null 2>&1 || $PN import -q "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    # an upstream host on a veth: 192.0.2.2 <-> this namespace's 192.0.2.1
    ip netns add "$up"
    ip link add up0 type veth peer name eth0 netns "$up"
    ip addr add 192.0.2.1/24 dev up0; ip link set up0 up
    nsenter --net="/run/netns/$up" sh -c 'ip link set lo up; ip addr add 192.0.2.2/24 dev eth0; ip link set eth0 up'
    $HIVE run --rm busybox true; $HIVE run --rm -p 8080:80 busybox true; $PN run --rm --network bridge busybox true
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/network-load.txt"
    hf network-run -w 5 -r "${RUNS_NET:-40}" "$HIVE run --rm --network none busybox true" "$HIVE run --rm busybox true" \
        "$HIVE run --rm -p 8080:80 busybox true" "$PN run --rm --network bridge busybox true" "$PN run --rm --network none busybox true"
    command -v iperf3 >/dev/null || { echo "network: iperf3 is not installed (apt-get install iperf3): no throughput figures"; return 0; }
    # an image with the host's iperf3 and its libraries (a chroot into a bind of /
    # cannot open /dev/urandom: binds are nodev); podman gets the same image
    local secs=${NET_SECS:-5} IPERF="iperf3-bench iperf3" ctx
    if ! $HIVE image inspect iperf3-bench >/dev/null 2>&1; then
        ctx=$(mktemp -d); mkdir -p "$ctx/root"
        for f in "$(command -v iperf3)" $(ldd "$(command -v iperf3)" | grep -o '/[^ ]*'); do cp -L --parents "$f" "$ctx/root/"; done
        printf 'FROM busybox\nCOPY root/ /\n' > "$ctx/Dockerfile"
        $HIVE build -q --network none -t iperf3-bench "$ctx" >/dev/null
        rm -rf "$ctx"
    fi
    $PN image inspect iperf3-bench >/dev/null 2>&1 || $HIVE save iperf3-bench | $PN load -q >/dev/null
    gbps() { python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'; }
    report() { echo "throughput: round $1: $2: $3 Gbit/s" | tee -a "$OUT/network-throughput.txt"; }
    : > "$OUT/network-throughput.txt"
    # a plain veth pair between two namespaces (the ceiling), its server kept running
    ip netns add "$a"; ip netns add "$b"
    ip -n "$a" link add v0 type veth peer name v1 netns "$b"
    ip -n "$a" addr add 198.51.100.1/24 dev v0; ip -n "$a" link set v0 up; ip -n "$a" link set lo up
    ip -n "$b" addr add 198.51.100.2/24 dev v1; ip -n "$b" link set v1 up; ip -n "$b" link set lo up
    nsenter --net="/run/netns/$a" iperf3 -s -D -I "$BENCH_DIR/net-iperf3.pid"
    # the published-port path from upstream without hive: two veth pairs with a
    # routing namespace between them (r1 -> r2 -> r3), plain forwarding, no netfilter
    ip netns add "$r1"; ip netns add "$r2"; ip netns add "$r3"
    ip -n "$r1" link add e0 type veth peer name e1 netns "$r2"
    ip -n "$r2" link add e2 type veth peer name e3 netns "$r3"
    ip -n "$r1" addr add 203.0.113.1/30 dev e0; ip -n "$r1" link set e0 up; ip -n "$r1" route add default via 203.0.113.2
    ip -n "$r2" addr add 203.0.113.2/30 dev e1; ip -n "$r2" addr add 203.0.113.5/30 dev e2
    ip -n "$r2" link set e1 up; ip -n "$r2" link set e2 up
    ip -n "$r3" addr add 203.0.113.6/30 dev e3; ip -n "$r3" link set e3 up; ip -n "$r3" route add default via 203.0.113.5
    nsenter --net="/run/netns/$r2" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
    nsenter --net="/run/netns/$r3" iperf3 -s -D -I "$BENCH_DIR/net-iperf3-routed.pid"
    # servers: through a published port from the upstream host; container to
    # container, hive on a user network (by name), podman on its default network (by address)
    $HIVE run -d --name net-srv -p 5201:5201 $IPERF -s >/dev/null
    $PN run -d --network bridge --name net-srv -p 5202:5201 $IPERF -s >/dev/null
    $HIVE network create bench-net >/dev/null 2>&1 || true
    $HIVE run -d --name net-srv2 --network bench-net $IPERF -s >/dev/null
    local pip; pip=$($PN inspect -f '{{.NetworkSettings.IPAddress}}' net-srv)
    sleep 0.5
    # Interleaved rounds, each path's figure divided by the veth pair's in the
    # same round: on a loaded 2-core machine a single 5 s run varies by ±30%.
    local i
    for i in $(seq 1 "${NET_ROUNDS:-5}"); do
        report "$i" "veth pair between two namespaces" "$(nsenter --net="/run/netns/$b" iperf3 -J -t "$secs" -c 198.51.100.1 | gbps)"
        report "$i" "two veth pairs routed through a namespace" "$(nsenter --net="/run/netns/$r1" iperf3 -J -t "$secs" -c 203.0.113.6 | gbps)"
        report "$i" "hive, published port from upstream" "$(nsenter --net="/run/netns/$up" iperf3 -J -t "$secs" -c 192.0.2.1 -p 5201 | gbps)"
        report "$i" "podman, published port from upstream" "$(nsenter --net="/run/netns/$up" iperf3 -J -t "$secs" -c 192.0.2.1 -p 5202 | gbps)"
        report "$i" "hive, published port from the host" "$(iperf3 -J -t "$secs" -c 192.0.2.1 -p 5201 | gbps)"
        report "$i" "podman, published port from the host" "$(iperf3 -J -t "$secs" -c 192.0.2.1 -p 5202 | gbps)"
        report "$i" "hive, container to container (user network)" "$($HIVE run --rm --network bench-net $IPERF -J -t "$secs" -c net-srv2 | gbps)"
        report "$i" "podman, container to container (default network)" "$($PN run --rm --network bridge $IPERF -J -t "$secs" -c "$pip" | gbps)"
    done
    python3 - "$OUT/network-throughput.txt" <<'PY'
import collections, re, statistics, sys
rounds = collections.defaultdict(dict)
for l in open(sys.argv[1]):
    m = re.match(r"throughput: round (\d+): (.*): ([0-9.]+) Gbit/s", l)
    if m:
        rounds[m.group(1)][m.group(2)] = float(m.group(3))
base = "veth pair between two namespaces"
paths = [k for k in next(iter(rounds.values())) if k != base]
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("median: %s = %.2f Gbit/s (%d rounds)" % (base, med([r[base] for r in rounds.values()]), len(rounds)))
for k in paths:
    print("ratio: %s / veth pair = %.0f%% median of rounds (%.2f Gbit/s median)" % (
        k, 100 * med([r[k] / r[base] for r in rounds.values() if k in r and r.get(base)]),
        med([r[k] for r in rounds.values() if k in r])))
routed = "two veth pairs routed through a namespace"
for k in paths:
    if "from upstream" in k:
        print("ratio: %s / two routed veth pairs (the same hops without the engine) = %.0f%% median of rounds" % (
            k, 100 * med([r[k] / r[routed] for r in rounds.values() if k in r and r.get(routed)])))
for kind in ("published port from upstream", "published port from the host", "container to container"):
    h = [k for k in paths if k.startswith("hive") and kind in k]
    p = [k for k in paths if k.startswith("podman") and kind in k]
    if h and p:
        print("ratio: hive / podman, %s = %.2fx median of rounds" % (
            kind, med([r[h[0]] / r[p[0]] for r in rounds.values() if h[0] in r and p[0] in r])))
PY
    $HIVE rm -f net-srv net-srv2 >/dev/null; $HIVE network rm bench-net >/dev/null
}

# Restart policies (issue #14): from a container's exit to its restarted
# process running, the backoff subtracted (StartedAt(n+1) - FinishedAt(n) -
# backoff(n), read from inspect during each backoff), with --network none and
# on the bridge; and the monitor's RSS (VmRSS of hive-monitor beside conmon's).
# Run it inside a network namespace of its own (scripts/in-netns.sh).
bench_services_restart() {
    $HIVE image inspect busybox:latest >/dev/null 2>&1 || $HIVE import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    for net in none bridge; do
        $HIVE rm -f bench-restart >/dev/null 2>&1 || true
        $HIVE run -d --name bench-restart --network $net --restart always busybox true >/dev/null
        python3 - "$HIVE" "$net" <<'PY' | tee -a "$OUT/services-restart.txt"
import json, subprocess, sys, time, statistics
from datetime import datetime
hive, net = sys.argv[1], sys.argv[2]
def ns(t):  # RFC 3339 with nanoseconds -> Unix nanoseconds
    base, frac = t.rstrip("Z").split(".") if "." in t else (t.rstrip("Z"), "0")
    return int(datetime.fromisoformat(base + "+00:00").timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])
seen = {}
deadline = time.time() + 30
while time.time() < deadline and len(seen) < 8:
    s = json.loads(subprocess.run([hive, "inspect", "bench-restart"], capture_output=True, text=True).stdout)[0]
    if s["State"]["Status"] == "restarting":
        seen.setdefault(s["RestartCount"], (ns(s["State"]["StartedAt"]), ns(s["State"]["FinishedAt"])))
    time.sleep(0.02)
gaps = []
for n in sorted(seen):
    if n + 1 in seen and seen[n][1] > 0 and seen[n + 1][0] > seen[n][1]:  # both times recorded
        backoff = 100 * 2 ** n * 10**6  # the n-th restart's delay: 100 ms doubling
        gaps.append((seen[n + 1][0] - seen[n][1] - backoff) / 1e6)
if gaps:
    print("restart latency (%s): exit -> running minus backoff: median %.1f ms, min %.1f, max %.1f (%d restarts)"
          % (net, statistics.median(gaps), min(gaps), max(gaps), len(gaps)))
else:
    print("restart latency (%s): no restarts seen" % net)
PY
        $HIVE rm -f bench-restart >/dev/null
    done
    $HIVE rm -f bench-rss >/dev/null 2>&1 || true
    $HIVE run -d --name bench-rss --network none --restart always busybox sleep 60 >/dev/null
    id=$($HIVE inspect --format '{{.Id}}' bench-rss)
    mon=$(pgrep -f "hive-monitor $id" | head -1)
    echo "monitor RSS: hive-monitor $(awk '/VmRSS/ {print $2}' /proc/$mon/status) kB" | tee -a "$OUT/services-restart.txt"
    $HIVE rm -f bench-rss >/dev/null
    if $P image inspect busybox:latest >/dev/null 2>&1 || $P import "$BENCH_DIR/base.tar" busybox:latest >/dev/null; then
        cid=$($P run -d --network none --restart always busybox sleep 60 2>/dev/null) && {
            cm=$(pgrep -f "conmon .*${cid:0:12}" | head -1)
            [ -n "$cm" ] && echo "monitor RSS: conmon $(awk '/VmRSS/ {print $2}' /proc/$cm/status) kB" | tee -a "$OUT/services-restart.txt"
            $P rm -f "$cid" >/dev/null
        }
    fi
}

# Services (issue #14).
# Health checks: the host CPU one check costs. hive's monitor runs a check
# every 100 ms for $HEALTH_SECONDS (default 10); the monitor's own CPU plus its
# reaped children's (the checks: /proc/PID/stat utime+stime+cutime+cstime),
# divided by the checks run (each appends a line to a file in the container).
# podman's: `podman healthcheck run` of a container with the same check, timed
# by hyperfine (its wall time and user+system CPU per check).
bench_services_health() {
    local secs=${HEALTH_SECONDS:-10} id mon t0 t1 n0 n1 hz
    $HIVE image inspect busybox:latest >/dev/null 2>&1 || $HIVE import --change 'CMD ["sh"]' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    $HIVE rm -f bench-health >/dev/null 2>&1 || true
    id=$($HIVE run -d --network none --name bench-health --health-cmd 'echo x >> /tmp/n' --health-interval 100ms busybox sleep 600)
    mon=$(pgrep -f "^[^ ]+ $id $HIVE_ROOT/containers/" | head -1)
    hz=$(getconf CLK_TCK)
    sleep 1
    t0=$(awk '{print $14+$15+$16+$17}' "/proc/$mon/stat"); n0=$($HIVE exec bench-health wc -l /tmp/n | awk '{print $1}')
    sleep "$secs"
    t1=$(awk '{print $14+$15+$16+$17}' "/proc/$mon/stat"); n1=$($HIVE exec bench-health wc -l /tmp/n | awk '{print $1}')
    python3 -c "import sys; t,n,hz=float(sys.argv[1]),int(sys.argv[2]),float(sys.argv[3]); print('health: hive monitor CPU per check = %.2f ms (%d checks in %s s, %.0f ms CPU)' % (t*1000/hz/n, n, sys.argv[4], t*1000/hz))" \
        "$((t1 - t0))" "$((n1 - n0))" "$hz" "$secs" | tee "$OUT/services-health.txt"
    grep VmRSS "/proc/$mon/status" | sed 's/^/health: hive monitor /' | tee -a "$OUT/services-health.txt"
    $HIVE rm -f bench-health >/dev/null
    $P image exists busybox:latest || $P import "$BENCH_DIR/base.tar" busybox:latest >/dev/null
    $P rm -f bench-health >/dev/null 2>&1 || true
    $P run -d --network none --name bench-health --health-cmd 'echo x >> /tmp/n' --health-interval 1h busybox sleep 600 >/dev/null
    hf services-health -w 2 -r "${RUNS}" "$P healthcheck run bench-health"
    python3 -c "import json; r=json.load(open('$OUT/services-health.json'))['results'][0]; print('health: podman healthcheck run = %.1f ms wall, %.1f ms CPU (user+system)' % (r['mean']*1e3, (r['user']+r['system'])*1e3))" \
        | tee -a "$OUT/services-health.txt"
    $P rm -f bench-health >/dev/null
}

services() {
    bench_services_restart
    if declare -F bench_services_health >/dev/null; then bench_services_health; fi
}

# issue #16: `image prune -a` of 500 images in chains (100 imported bases,
# each with four commits on top: 400 untagged parents) and `system df` over
# 500 images and 500 containers, podman side by side. Each store is made once
# (slow: podman commits) and copied back before every prune.
cleanup_store() {  # NAME, CLI...: makes $t/NAME-root with the chains and keeps a copy in $t/NAME-saved
    local name=$1; shift
    local root=$t/$name-root
    [ -d "$t/$name-saved" ] && return 0
    rm -rf "$root"
    local i k prev
    for i in $(seq 1 "$chains"); do
        prev=$("$@" import --change "LABEL n=$i" "$t/tiny.tar" "bench/chain$i:base" | tail -1)
        for k in 1 2 3 4; do
            "$@" create --name "c$i-$k" "$prev" true >/dev/null
            prev=$("$@" commit "c$i-$k" | tail -1)
            "$@" rm "c$i-$k" >/dev/null
        done
        "$@" tag "$prev" "bench/chain$i:top"
    done
    cp -a "$root" "$t/$name-saved"
}

cleanup() {
    local n=${CLEANUP_IMAGES:-500}
    chains=$((n / 5)) t=$BENCH_DIR/cleanup
    mkdir -p "$t/ctx"; echo x > "$t/ctx/f"; tar -C "$t/ctx" -cf "$t/tiny.tar" f
    local H="env HIVE_ROOT=$t/hive-root HIVE_RUNROOT=$t/hive-run $HIVE"
    local PC="podman --root $t/podman-root --runroot $t/podman-run --storage-driver overlay"
    cleanup_store hive $H
    cleanup_store podman $PC
    echo "images: hive $($H images -aq | wc -l), podman $($PC images -aq | wc -l)"
    hf cleanup-prune -r "${RUNS}" \
        --prepare "sh -c 'rm -rf $t/hive-root; cp -a $t/hive-saved $t/hive-root'" "$H image prune -af" \
        --prepare "sh -c 'rm -rf $t/podman-root; cp -a $t/podman-saved $t/podman-root'" "$PC image prune -af"
    # system df: the same images and one container per image
    rm -rf "$t/hive-root" "$t/podman-root"; cp -a "$t/hive-saved" "$t/hive-root"; cp -a "$t/podman-saved" "$t/podman-root"
    local img
    for img in $($H images -aq); do $H create "$img" true >/dev/null; done
    for img in $($PC images -aq); do $PC create "$img" true >/dev/null; done
    echo "containers: hive $($H ps -aq | wc -l), podman $($PC ps -aq | wc -l)"
    hf cleanup-df -w 3 -r 20 "$H system df" "$PC system df"
    $H rm -f $($H ps -aq) >/dev/null; $PC rm -af >/dev/null
    rm -rf "$t/hive-root" "$t/podman-root"
}

what=${1:-all}
case $what in
    all) images; import; load; save; run_; lifecycle; hooks; build; rss; registry; network; services ;;
    run) run_ ;;
    *) "$what" ;;
esac
