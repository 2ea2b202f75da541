# Shared set-up for hive's bats system tests: every test gets its own store
# (HIVE_ROOT, HIVE_RUNROOT) and removes it afterwards.
bats_require_minimum_version 1.5.0
HIVE=${HIVE:-$BATS_TEST_DIRNAME/../../.build/release/hive}
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MKTAR="python3 $REPO/Tests/fixtures/mktar.py"

setup() {
    export HIVE_ROOT=$(mktemp -d /tmp/hive-test.XXXXXX)
    export HIVE_RUNROOT=$(mktemp -d /tmp/hive-run.XXXXXX)
    WORK=$(mktemp -d /tmp/hive-work.XXXXXX)
    # no site configuration or hooks of this machine leak into a test
    CONF=$(mktemp -d /tmp/hive-conf.XXXXXX)
    HOOKS_DIR=$CONF/hooks.d
    : > "$CONF/hive.toml"
    export HIVE_CONFIG=$CONF/hive.toml
    export HIVE_HOOKS_DIR=$HOOKS_DIR
}

teardown() {
    # registries and other servers a test started (registry.bash)
    [ -f "$WORK/servers.pids" ] && { kill $(cat "$WORK/servers.pids") 2>/dev/null; sleep 0.1; }
    # created containers hold cgroups on the host: remove them, not just the store
    [ -f "$HIVE_ROOT/hive.db" ] && { "$HIVE" rm -f $("$HIVE" ps -aq 2>/dev/null) >/dev/null 2>&1 || true; }
    for _ in $(seq 30); do pgrep -f -- "$HIVE_ROOT" >/dev/null || break; sleep 0.1; done
    release_runroot_mounts
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF" 2>/dev/null || { sleep 0.5; rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF"; }
}

# Network namespaces pinned under $HIVE_RUNROOT (netns/<id>, bind mounts) that a
# test left: unmounted, so the rm -rf below can remove the directory.
release_runroot_mounts() {
    [ -n "${HIVE_RUNROOT:-}" ] && [ -d "$HIVE_RUNROOT" ] || return 0
    awk -v r="$HIVE_RUNROOT/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# The base rootfs tar, built once per file.
base_tar() {
    local t=$BATS_FILE_TMPDIR/base.tar
    [ -f "$t" ] || "$REPO/scripts/mkbase.sh" > "$t"
    echo "$t"
}

# Imports busybox:latest into the test's store.
import_busybox() {
    "$HIVE" import --change 'CMD ["sh"]' "$(base_tar)" "${1:-busybox:latest}" >/dev/null
}

hive() { "$HIVE" "$@"; }

# until_true SECONDS CMD...: waits (polling) until CMD succeeds; fails at the deadline.
until_true() {
    local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
    while ! "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || { echo "timed out: $*" >&2; return 1; }
        sleep 0.05
    done
}

# run_hive EXPECTED_STATUS ARGS...: runs hive, checks its status.
run_hive() {
    local want=$1; shift
    run -"$want" "$HIVE" "$@"
    if [ "$status" -ne "$want" ]; then
        echo "hive $*: exit $status, expected $want" >&2
        echo "$output" >&2
        return 1
    fi
}

# cgdir CTR CONTROLLER: the group directory of the controller of the container
# as its cgroups file records it (v1), or its one group (cgroup2).
cgdir() {
    local id
    id=$(hive inspect -f '{{.Id}}' "$1")
    grep -m1 "/$2/" "$HIVE_ROOT/containers/$id/cgroups" || head -1 "$HIVE_ROOT/containers/$id/cgroups"
}

# The store holds no blob, layer, image or temp file.
assert_store_empty() {
    local n
    n=$(ls "$HIVE_ROOT/blobs/sha256" | wc -l)
    [ "$n" -eq 0 ] || { echo "blobs left: $n" >&2; ls "$HIVE_ROOT/blobs/sha256" >&2; return 1; }
    n=$(ls "$HIVE_ROOT/layers" | wc -l)
    [ "$n" -eq 0 ] || { echo "layers left: $n" >&2; return 1; }
    n=$(ls "$HIVE_ROOT/tmp" | wc -l)
    [ "$n" -eq 0 ] || { echo "temp files left: $n" >&2; return 1; }
    [ -z "$("$HIVE" images -aq)" ] || { echo "images left" >&2; return 1; }
}

# busybox with a PATH, as `make run` creates it (for the container tests).
import_run_base() {
    "$HIVE" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' "$(base_tar)" busybox >/dev/null
}

# Removes every container, then the store (container test files use this as teardown).
teardown_containers() {
    [ -f "$WORK/servers.pids" ] && { kill $(cat "$WORK/servers.pids") 2>/dev/null; sleep 0.1; }
    "$HIVE" rm -f $("$HIVE" ps -aq) >/dev/null 2>&1 || true
    # monitors of killed containers run their cleanup against the store: let them finish
    for _ in $(seq 30); do pgrep -f -- "$HIVE_ROOT" >/dev/null || break; sleep 0.1; done
    release_runroot_mounts
    rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF" 2>/dev/null || { sleep 0.5; rm -rf "$HIVE_ROOT" "$HIVE_RUNROOT" "$WORK" "$CONF"; }
}

# add_hook NAME <<'EOF' ... : a site hook in the test's hooks directory (root-owned, 0644).
add_hook() {
    mkdir -p "$HOOKS_DIR"
    cat > "$HOOKS_DIR/$1"
    chmod 0644 "$HOOKS_DIR/$1"
}

# use_plugins 'TOML': a hive.toml whose plugin_dirs is a root-owned, 0644 copy
# of the repository's plugins/ (whatever the checkout's umask was).
use_plugins() {
    PLUGINS=$CONF/plugins
    if [ ! -d "$PLUGINS" ]; then
        cp -r "$REPO/plugins" "$PLUGINS"
        chown -R 0:0 "$PLUGINS"
        chmod -R go-w "$PLUGINS"
    fi
    { printf '[hooks]\nplugin_dirs = ["%s"]\n' "$PLUGINS"; cat; } > "$HIVE_CONFIG"
}

# wait_for_event PATTERN EVENTS-ARGS...: until `hive events --until 0s ARGS` prints PATTERN (5 s at most);
# a detached container's monitor records its exit events just after `wait` returns.
wait_for_event() {
    local pattern=$1; shift
    for _ in $(seq 50); do
        "$HIVE" events --until 0s "$@" 2>/dev/null | grep -q -- "$pattern" && return 0
        sleep 0.1
    done
    return 0
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (a deadline, not a sleep).
wait_for() {
    local end=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -lt "$end" ] || { echo "timed out: $*" >&2; return 1; }
        sleep 0.05
    done
}
