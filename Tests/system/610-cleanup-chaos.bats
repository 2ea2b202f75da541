#!/usr/bin/env bats
# Cleanup after chaos (issue #16): forty rounds of run, run --rm, build,
# commit, rm, image prune -a and system gc at once, about half of them killed
# with SIGKILL at a random moment (0-199 ms into the round, by the
# millisecond); afterwards no container lost its image to a prune, and
# system prune -af --volumes plus builder prune -af leave only the database
# and configuration in the store: no layer, blob, container directory, mount
# or cgroup. A round is cheap (no sleep beyond the kill's delay: the
# containers run `true`-sized commands and the build one short RUN), so the
# forty fit in about a minute on two cores; CHAOS_ROUNDS sets another count.
load helpers

teardown() { teardown_containers; }

@test "kill -9 at random points of run, build, commit, rm, prune and gc: nothing in use lost, then everything reclaimed" {
    import_run_base
    mkdir -p "$WORK/ctx"
    printf '[gc]\nmin_age = "0s"\nmax_age = "1s"\n' > "$HIVE_CONFIG"
    : > "$WORK/cgroups"
    hive create --network none --name pin busybox true >/dev/null   # the base stays: a run never finds it pruned
    for round in $(seq "${CHAOS_ROUNDS:-40}"); do
        echo "round $round" > "$WORK/ctx/f"
        printf 'FROM busybox\nCOPY f /f\nRUN --mount=type=cache,target=/c cat /f > /c/last\n' > "$WORK/ctx/Dockerfile"
        pids=() must=()
        "$HIVE" run --network none --name "r$round" busybox sh -c 'echo x > /x' >/dev/null 2>"$WORK/err.run" & pids+=($!) must+=($!)
        "$HIVE" run --rm --network none busybox true >/dev/null 2>"$WORK/err.rm" & pids+=($!) must+=($!)
        "$HIVE" build -q --network none -t "b$round" "$WORK/ctx" >/dev/null 2>"$WORK/err.build" & pids+=($!) must+=($!)
        [ "$round" -gt 1 ] && { "$HIVE" commit "r$((round - 1))" "c$round" >/dev/null 2>&1 & pids+=($!); }
        [ "$round" -gt 2 ] && { "$HIVE" rm -f "r$((round - 2))" >/dev/null 2>&1 & pids+=($!); }
        "$HIVE" image prune -af >/dev/null 2>&1 & pids+=($!)
        "$HIVE" system gc >/dev/null 2>&1 & pids+=($!)
        sleep "0.$(printf '%03d' $((RANDOM % 200)))"
        killed=" "
        for p in "${pids[@]}"; do if [ $((RANDOM % 2)) -eq 0 ]; then kill -9 "$p" 2>/dev/null || true; killed+="$p "; fi; done
        # a run or build nobody killed succeeded: no prune took its image (busybox is pinned) from under it
        for p in "${must[@]}"; do
            [[ "$killed" == *" $p "* ]] && continue
            wait "$p" || { echo "round $round: a run or build failed:"; tail -n +1 "$WORK"/err.*; return 1; }
        done
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
