#!/usr/bin/env bats
# Cleanup after chaos (issue #16, a smaller version of the issue's: six rounds,
# not forty): run, run --rm, build, commit, rm, image prune -a and system gc
# at once, some killed with SIGKILL at a random moment; afterwards no
# container lost its image to a prune, and system prune -af --volumes plus
# builder prune -af leave only the database and configuration in the store:
# no layer, blob, container directory, mount or cgroup.
load helpers

teardown() { teardown_containers; }

@test "kill -9 at random points of run, build, commit, rm, prune and gc: nothing in use lost, then everything reclaimed" {
    import_run_base
    mkdir -p "$WORK/ctx"
    printf '[gc]\nmin_age = "0s"\nmax_age = "1s"\n' > "$HIVE_CONFIG"
    : > "$WORK/cgroups"
    for round in 1 2 3 4 5 6; do
        echo "round $round" > "$WORK/ctx/f"
        printf 'FROM busybox\nCOPY f /f\nRUN --mount=type=cache,target=/c cat /f > /c/last && sleep 0.%s\n' "$((RANDOM % 4))" > "$WORK/ctx/Dockerfile"
        pids=()
        "$HIVE" run --network none --name "r$round" busybox sh -c 'echo x > /x; sleep 0.3' >/dev/null 2>&1 & pids+=($!)
        "$HIVE" run --rm --network none busybox sh -c 'sleep 0.2' >/dev/null 2>&1 & pids+=($!)
        "$HIVE" build -q --network none -t "b$round" "$WORK/ctx" >/dev/null 2>&1 & pids+=($!)
        [ "$round" -gt 1 ] && { "$HIVE" commit "r$((round - 1))" "c$round" >/dev/null 2>&1 & pids+=($!); }
        [ "$round" -gt 2 ] && { "$HIVE" rm -f "r$((round - 2))" >/dev/null 2>&1 & pids+=($!); }
        "$HIVE" image prune -af >/dev/null 2>&1 & pids+=($!)
        "$HIVE" system gc >/dev/null 2>&1 & pids+=($!)
        sleep "0.$((RANDOM % 5))"
        for p in "${pids[@]}"; do if [ $((RANDOM % 2)) -eq 0 ]; then kill -9 "$p" 2>/dev/null || true; fi; done
        wait || true
        cat "$HIVE_ROOT"/containers/*/cgroups >> "$WORK/cgroups" 2>/dev/null || true
    done
    # every container still recorded has its image (a build step's: its build cache record)
    for id in $(hive ps -aq --no-trunc); do
        img=$(hive inspect --format '{{.Image}}' "$id")
        hive image inspect "$img" >/dev/null 2>&1 \
            || sqlite3 "$HIVE_ROOT/hive.db" "SELECT 1 FROM build_records WHERE key = '${img#sha256:}'" | grep -q 1 \
            || { echo "container $id lost its image $img"; return 1; }
    done
    # everything goes
    hive rm -f $(hive ps -aq) >/dev/null 2>&1 || true
    for _ in $(seq 30); do pgrep -f -- "$HIVE_ROOT" >/dev/null || break; sleep 0.1; done
    hive system prune -af --volumes >/dev/null
    hive builder prune -af >/dev/null
    [ -z "$(hive ps -aq)" ]
    [ -z "$(hive images -aq)" ]
    [ -z "$(hive builder du --format '{{.ID}}')" ]
    assert_store_empty
    [ -z "$(ls "$HIVE_ROOT/containers" 2>/dev/null)" ] || { echo "container directories left:"; ls "$HIVE_ROOT/containers"; return 1; }
    [ -z "$(ls "$HIVE_ROOT/cache/build" 2>/dev/null)" ]
    ! grep -q -e "$HIVE_ROOT" -e "$HIVE_RUNROOT" /proc/self/mountinfo || { grep -e "$HIVE_ROOT" -e "$HIVE_RUNROOT" /proc/self/mountinfo; return 1; }
    while read -r cg; do
        [ -n "$cg" ] && [ -d "$cg" ] && { echo "cgroup left: $cg"; return 1; }
    done < <(tr ' ' '\n' < "$WORK/cgroups" | grep '^/sys/fs/cgroup' | sort -u)
    true
}
