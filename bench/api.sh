#!/usr/bin/env bash
# The Engine API (issue #17), side by side in ONE run: `hive system service`
# and `podman system service` (4.3), each on its own socket and store.
#   - GET /version, HEAD /_ping, GET /containers/json?all=1 with 50 containers:
#     latency over one kept-alive connection (python, 300 requests, p50/p90),
#     and hyperfine of `curl --unix-socket` (a new connection per request);
#   - `docker run --rm busybox true` through each socket (hyperfine);
#   - `docker compose up -d --wait` of Tests/fixtures/api-clients/compose-app
#     (`hive compose`; compose run against podman's socket, 90 s at most).
# Run inside a network namespace (the default network is a bridge):
#   scripts/in-netns.sh bench bench/api.sh
# Results: bench/results/api*.{md,json} and a summary on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
HIVE=${HIVE:-$PWD/.build/release/hive}
BENCH_DIR=${BENCH_DIR:-/var/tmp/hive-bench-api}
RUNS=${RUNS:-20}
OUT=$PWD/bench/results
mkdir -p "$OUT" "$BENCH_DIR"
# (a namespace of in-netns.sh is a named one: `ip netns identify` finds it)
[ -n "$(ip netns identify $$ 2>/dev/null)" ] ||
    { echo "api.sh: run me inside a network namespace: scripts/in-netns.sh bench bench/api.sh" >&2; exit 1; }
COMPOSE=$(scripts/get-compose.sh) || { echo "api.sh: no docker compose (scripts/get-compose.sh)" >&2; exit 1; }

rm -rf "$BENCH_DIR"/{hive-root,hive-run,podman-root,podman-run,docker-config}
export HIVE_ROOT=$BENCH_DIR/hive-root HIVE_RUNROOT=$BENCH_DIR/hive-run
export DOCKER_CONFIG=$BENCH_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
P="podman --root $BENCH_DIR/podman-root --runroot $BENCH_DIR/podman-run --storage-driver overlay"
HS=$BENCH_DIR/hive.sock
PS=$BENCH_DIR/podman.sock
[ -f "$BENCH_DIR/base.tar" ] || scripts/mkbase.sh > "$BENCH_DIR/base.tar"

cleanup() {
    [ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null
    [ -n "${PPID_:-}" ] && kill "$PPID_" 2>/dev/null
    "$HIVE" rm -f $("$HIVE" ps -aq) >/dev/null 2>&1
    $P rm -af >/dev/null 2>&1
    wait 2>/dev/null
}
trap cleanup EXIT

echo "== stores: busybox and 50 created containers on each side"
"$HIVE" import --change 'CMD ["sh"]' "$BENCH_DIR/base.tar" busybox:latest >/dev/null
$P import --change 'CMD ["sh"]' "$BENCH_DIR/base.tar" docker.io/library/busybox:latest >/dev/null
for i in $(seq 1 50); do
    "$HIVE" create --network none --name "c$i" -l bench=api busybox true >/dev/null
    $P create --network none --name "c$i" -l bench=api docker.io/library/busybox:latest true >/dev/null
done

"$HIVE" system service --time 0 "unix://$HS" 2>"$BENCH_DIR/hive.err" & HPID=$!
$P system service --time 0 "unix://$PS" 2>"$BENCH_DIR/podman.err" & PPID_=$!
for s in "$HS" "$PS"; do
    for _ in $(seq 200); do curl -sf --unix-socket "$s" http://d/_ping -o /dev/null && break; sleep 0.05; done
done

echo "== latency over one connection (python http.client, 300 requests after 20 warm-up)"
python3 - "$HS" "$PS" "$OUT/api-latency.json" <<'PY' | tee "$OUT/api-latency.md"
import http.client, json, socket, statistics, sys, time

class Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        self.sock = s

def measure(sock, method, path, n=300, warm=20):
    c = Unix(sock)
    times = []
    for i in range(n + warm):
        t = time.perf_counter()
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        dt = time.perf_counter() - t
        if r.status >= 300:
            return {"error": f"{r.status} {body[:80]!r}"}
        if i >= warm:
            times.append(dt * 1e3)
    times.sort()
    return {"p50": statistics.median(times), "p90": times[int(len(times) * 0.9)], "n": len(times),
            "bytes": len(body)}

hive, podman, out = sys.argv[1:4]
cases = [("GET", "/v1.41/version"), ("HEAD", "/_ping"), ("GET", "/v1.41/containers/json?all=1")]
res = {}
print("| request | hive p50 (p90) | podman p50 (p90) | podman / hive |")
print("|---|---:|---:|---:|")
for m, p in cases:
    h, q = measure(hive, m, p), measure(podman, m, p)
    res[f"{m} {p}"] = {"hive": h, "podman": q}
    def cell(x):
        return x["error"] if "error" in x else f"{x['p50']:.2f} ms ({x['p90']:.2f})"
    ratio = f"{q['p50'] / h['p50']:.0f}x" if "p50" in h and "p50" in q else "-"
    print(f"| {m} {p} | {cell(h)} | {cell(q)} | {ratio} |")
json.dump(res, open(out, "w"), indent=1)
PY
n=$(curl -s --unix-socket "$HS" "http://d/v1.41/containers/json?all=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "(hive lists $n containers)"

hf() {  # name, hyperfine args...
    local name=$1; shift
    hyperfine -N --style basic --export-markdown "$OUT/$name.md" --export-json "$OUT/$name.json" "$@"
}

echo "== a new connection per request (curl; includes curl's own start-up)"
hf api-curl -w 5 -r 100 \
    "curl -s --unix-socket $HS http://d/v1.41/version" "curl -s --unix-socket $PS http://d/v1.41/version" \
    "curl -s --unix-socket $HS http://d/v1.41/containers/json?all=1" "curl -s --unix-socket $PS http://d/v1.41/containers/json?all=1"

echo "== docker run --rm busybox true through each socket"
if DOCKER_HOST=unix://$HS docker run --rm busybox true && DOCKER_HOST=unix://$PS docker run --rm busybox true; then
    hf api-run -w 2 -r "$RUNS" \
        "env DOCKER_HOST=unix://$HS docker run --rm busybox true" \
        "env DOCKER_HOST=unix://$PS docker run --rm busybox true"
else
    echo "api.sh: docker run --rm through one of the sockets failed (above)"
fi

echo "== docker compose up -d --wait of the three-service app"
cp -r "$REPO/Tests/fixtures/api-clients/compose-app" "$BENCH_DIR/app"
cd "$BENCH_DIR/app"
export HIVE_COMPOSE=$COMPOSE
if "$HIVE" compose -p bench up -d --wait >"$BENCH_DIR/hive-compose.log" 2>&1; then
    "$HIVE" compose -p bench down -v >/dev/null 2>&1
    # the web image stays built (cached) between runs, as a second `up` has it
    hf api-compose -r 5 --prepare "$HIVE compose -p bench down -v" "$HIVE compose -p bench up -d --wait"
    "$HIVE" compose -p bench down -v >/dev/null 2>&1
else
    echo "hive compose up -d --wait failed:"; tail -5 "$BENCH_DIR/hive-compose.log"
fi
t0=$(date +%s%N)
DOCKER_HOST=unix://$PS DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 timeout 90 "$COMPOSE" -p bench up -d --wait \
    >"$BENCH_DIR/podman-compose.log" 2>&1
rc=$?
echo "podman's service: compose up -d --wait exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms (124: killed at 90 s)"
tail -3 "$BENCH_DIR/podman-compose.log"
DOCKER_HOST=unix://$PS timeout 60 "$COMPOSE" -p bench down -v >/dev/null 2>&1
cd "$REPO"
