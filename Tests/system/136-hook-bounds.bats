#!/usr/bin/env bats
# Hooks cannot escape their bounds (issue #10): what Lua's count hook does not
# reach (finalizers, pattern matching inside one C call, single slow
# instructions, long C loops) still ends by the deadline plus a small margin,
# pre-* events refused, the others logged; and the hook cache follows
# hive.toml, which is checked as hook files are.
load helpers

# timed STATUS ARGS...: runs hive under `timeout 10`, checks its status, and
# sets $ms to the milliseconds it took.
timed() {
    local want=$1; shift
    local start=$(date +%s%N)
    run timeout 10 "$HIVE" "$@"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "hive $*: exit $status in $ms ms" >&2
    echo "$output" >&2
    [ "$status" -eq "$want" ]
}

# A 300 ms deadline: the watchdog's margin is 250 ms more; the rest is room for a loaded machine.
BOUND_MS=2000
bounded_config() {
    printf '[hooks]\ntimeout = "300ms"\ninstructions = 1000000000\n' > "$HIVE_CONFIG"
}

# hostile BODY MESSAGE: BODY in a pre-create hook is refused in time naming
# the file and MESSAGE; in a post-create one the container still runs, and
# the warning names the file and MESSAGE.
hostile() {
    local body=$1 message=$2
    rm -f "$HOOKS_DIR"/*.lua
    printf 'hive.on("pre-create", function(c) %s end)\n' "$body" | add_hook 10-hostile.lua
    timed 125 run --rm busybox true
    [[ "$output" == *"10-hostile.lua"*"(pre-create)"*"$message"* ]]
    [ "$ms" -lt "$BOUND_MS" ]
    [ -z "$(hive ps -aq)" ]
    printf 'hive.on("post-create", function(c) %s end)\n' "$body" | add_hook 10-hostile.lua
    timed 0 run --rm busybox echo survived
    [[ "$output" == *"survived"* ]]
    [[ "$output" == *"warning: hook"*"10-hostile.lua"*"(post-create)"*"$message"* ]]
    [ "$ms" -lt "$BOUND_MS" ]
}

@test "a __gc finalizer cannot run outside the budget: collected, or left for the state's close" {
    import_run_base
    bounded_config
    # Lua runs finalizers with hooks off: this looped for ever inside collectgarbage()
    hostile 'setmetatable({}, {__gc = function() while true do end end}); collectgarbage()' \
        "__gc metamethods are not allowed in hooks"
    # left for lua_close at the end of the command
    hostile 'KEEP = setmetatable({}, {__gc = function() while true do end end})' \
        "__gc metamethods are not allowed in hooks"
}

@test "a catastrophic pattern meets the time budget" {
    import_run_base
    bounded_config
    hostile 'local s = ("a"):rep(30000) s:find(("a*"):rep(28) .. "b")' "exceeded its time budget (deadline of 300 ms)"
    hostile 'local s = ("a"):rep(30000) pcall(string.gsub, s, (".-"):rep(8) .. "b", "")' "exceeded its time budget (deadline of 300 ms)"
}

@test "single slow instructions cannot stretch the deadline" {
    import_run_base
    bounded_config
    # every collection walks 200 000 tables: the count hook alone looks at the clock every ~300 of them
    hostile 'local t = {} for i = 1, 2e5 do t[i] = {} end while true do collectgarbage() end' \
        "exceeded its time budget (deadline of 300 ms)"
}

@test "a C loop no step counter reaches ends the command at the deadline plus the margin" {
    import_run_base
    bounded_config
    echo 'hive.on("pre-create", function(c) table.move({}, 1, 1e15, 2) end)' | add_hook 10-cloop.lua
    timed 125 run --rm busybox true
    [[ "$output" == "hive: hook $HOOKS_DIR/10-cloop.lua (pre-create): exceeded its time budget (deadline of 300 ms) inside a call hive cannot interrupt; hive stops here and the operation is refused" ]]
    [ "$ms" -lt "$BOUND_MS" ]
    [ -z "$(hive ps -aq)" ]
    # after the fact the command cannot finish either, but it ends
    echo 'hive.on("post-create", function(c) table.move({}, 1, 1e15, 2) end)' | add_hook 10-cloop.lua
    timed 125 run --rm busybox true
    [[ "$output" == *"(post-create): exceeded its time budget"*"hive stops here, before the command finished"* ]]
    [ "$ms" -lt "$BOUND_MS" ]
}

@test "hive.exec ends by the hook's deadline" {
    import_run_base
    bounded_config
    echo 'hive.on("pre-create", function(c) hive.exec({"/bin/sleep", "5"}) end)' | add_hook 10-exec.lua
    timed 125 run --rm busybox true
    [[ "$output" == *"10-exec.lua"*"(pre-create)"*"/bin/sleep did not finish within"* ]]
    [ "$ms" -lt "$BOUND_MS" ]
}

@test "a policy switched on in hive.toml applies without touching the hook file" {
    import_run_base
    add_hook 10-policy.lua <<'EOF'
if hive.config.enabled then
  hive.on("pre-create", function(c) hive.deny("the policy is on") end)
end
EOF
    printf '[plugins."10-policy"]\nenabled = false\n' > "$HIVE_CONFIG"
    run_hive 0 run --rm busybox true
    run_hive 0 run --rm busybox true  # from the cache bundle
    printf '[plugins."10-policy"]\nenabled = true\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"pre-create denied by hook $HOOKS_DIR/10-policy.lua: the policy is on"* ]]
    # --config names another file: its settings count the same way
    printf '[plugins."10-policy"]\nenabled = false\n' > "$CONF/off.toml"
    run_hive 0 --config "$CONF/off.toml" run --rm busybox true
    run_hive 125 run --rm busybox true
}

@test "a hive.toml anyone but root could write is refused" {
    import_run_base
    printf '[hooks]\ntimeout = "1s"\n' > "$HIVE_CONFIG"
    chmod 0664 "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [ "$output" = "hive: the configuration $HIVE_CONFIG is refused: it is writable by group or others (chmod go-w $HIVE_CONFIG)" ]
    chmod 0644 "$HIVE_CONFIG"
    chown 1000 "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"$HIVE_CONFIG is refused: it is owned by uid 1000, not root"* ]]
    chown 0 "$HIVE_CONFIG"
    chmod 0777 "$CONF"
    run_hive 125 --config "$HIVE_CONFIG" run --rm busybox true
    [[ "$output" == *"directory $CONF of $HIVE_CONFIG is refused"* ]]
    chmod 0700 "$CONF"
    run_hive 0 run --rm busybox true
}
