#!/usr/bin/env bats
# Lua hooks through the real CLI: events and their order, pre-create changes
# and denials, fail-closed errors, hostile hooks, refused files, hooks ls/test,
# the event log.
load helpers

@test "every lifecycle event reaches the hooks in order, foreground and detached" {
    import_run_base
    add_hook 10-trace.lua <<'EOF'
for _, e in ipairs({"pre-create", "post-create", "pre-start", "post-start", "on-exit", "on-stop", "on-remove"}) do
  hive.on(e, function(c)
    local extra = c.status and (" status=" .. c.status) or c.by and (" by=" .. c.by) or c.netns and (" netns=" .. c.netns) or ""
    hive.log.warn("EV " .. e .. " " .. (c.name ~= "" and c.name or "?") .. extra)
  end)
end
EOF
    run_hive 3 run --rm --name t1 busybox sh -c 'exit 3'
    evs=$(echo "$output" | grep -o 'EV [a-z-]*' | tr '\n' ' ')
    [ "$evs" = "EV pre-create EV post-create EV pre-start EV post-start EV on-exit EV on-stop EV on-remove " ]
    [[ "$output" == *"on-exit t1 status=3"* ]]
    [[ "$output" == *"on-stop t1 by=exit"* ]]
    # on the default bridge the namespace is pinned under the runroot from post-create on
    [[ "$output" == *"post-create t1 netns=$HIVE_RUNROOT/netns/"* ]]
    [[ "$output" == *"post-start t1 netns=$HIVE_RUNROOT/netns/"* ]]
    # with --network none it is the init's own
    run_hive 0 run --rm --network none --name t0 busybox true
    [[ "$output" == *"post-start t0 netns=/proc/"*"/ns/net"* ]]
    # detached: the monitor's cleanup fires on-exit/on-stop; stop says by=user
    hive run -d --name t2 busybox sleep 30 >/dev/null 2>&1
    hive stop -t 1 t2 >/dev/null 2>&1
    hive wait t2 >/dev/null
    wait_for_event "EV on-stop t2" --filter type=hook
    run_hive 0 events --until 0s --filter container=t2
    [[ "$output" == *"container create"* ]]
    [[ "$output" == *"container start"* ]]
    [[ "$output" == *"container die"*"exitCode=137"* ]]
    [[ "$output" == *"container stop"*"by=user"* ]]
    run_hive 0 events --until 0s --filter type=hook --filter event=warning
    [[ "$output" == *"EV on-stop t2 by=user"* ]]
    hive rm t2 >/dev/null 2>&1
    run_hive 0 events --until 0s --filter event=destroy --format '{{.Actor.Attributes.name}}'
    [ "$output" = "$(printf 't1\nt0\nt2')" ]
    # kill is a user's stop too; a container that ends on its own is not
    hive run -d --name t3 busybox sleep 30 >/dev/null 2>&1
    hive kill t3 >/dev/null 2>&1
    hive run -d --name t4 busybox true >/dev/null 2>&1
    hive wait t3 >/dev/null; hive wait t4 >/dev/null
    wait_for_event "t3=user" --filter event=stop --format '{{.Actor.Attributes.name}}={{.Actor.Attributes.by}}'
    wait_for_event "t4=exit" --filter event=stop --format '{{.Actor.Attributes.name}}={{.Actor.Attributes.by}}'
    run_hive 0 events --until 0s --filter event=stop --format '{{.Actor.Attributes.name}}={{.Actor.Attributes.by}}'
    [[ "$output" == *"t3=user"* && "$output" == *"t4=exit"* ]]
    hive rm t3 t4 >/dev/null 2>&1
}

@test "pre-create hooks change the container; changes are logged; read-only fields are refused" {
    import_run_base
    add_hook 10-names.lua <<'EOF'
hive.on("pre-create", function(c)
  if c.name == "" then c.name = (c.labels.team or "x") .. "-job" end
  table.insert(c.env, "HOOKED=yes")
  c.labels.checked = "true"
  c.resources.memory = 64 * 1024 * 1024
end)
EOF
    run_hive 0 --log-level info run --rm -l team=blue busybox sh -c 'echo "$HOOKED $(hostname)"'
    [[ "$output" == *"changed name: \"\" -> \"blue-job\""* ]]
    [[ "$output" == *"changed env:"*"HOOKED=yes"* ]]
    [[ "$output" == *"yes "* ]]
    id=$(hive create -l team=red busybox true 2>/dev/null)
    [ "$(hive inspect --format '{{.Name}}' "$id")" = "/red-job" ]
    [ "$(hive inspect --format '{{index .Config.Labels "checked"}}' "$id")" = "true" ]
    [ "$(hive inspect --format '{{.HostConfig.Memory}}' "$id")" = "67108864" ]
    run_hive 0 events --until 0s --filter type=hook --filter event=change --format '{{.Actor.Attributes.field}}'
    [[ "$output" == *"name"* ]]
    add_hook 20-bad.lua <<'EOF'
hive.on("pre-create", function(c) c.command = {"sh", "-c", "evil"} end)
EOF
    run_hive 125 run --rm busybox true
    [[ "$output" == *"20-bad.lua (pre-create) changed command, which pre-create hooks may not change"* ]]
}

@test "a denying or failing pre-* hook refuses the operation and leaves nothing" {
    import_run_base
    add_hook 10-policy.lua <<'EOF'
hive.on("pre-create", function(c)
  if c.labels.forbidden then hive.deny("forbidden label") end
end)
hive.on("pre-start", function(c)
  if c.name == "nostart" then hive.deny("not today") end
end)
EOF
    add_hook 20-broken.lua <<'EOF'
local t
hive.on("pre-create", function(c)
  if c.labels.crash then
    return t.field
  end
end)
hive.on("post-create", function(c) error("post hooks only warn") end)
EOF
    run_hive 125 run --rm -l forbidden=1 busybox true
    [ "$output" = "hive: pre-create denied by hook $HOOKS_DIR/10-policy.lua: forbidden label" ]
    run_hive 125 run --rm -l crash=1 busybox true
    [[ "$output" == "hive: hook $HOOKS_DIR/20-broken.lua:4 (pre-create): attempt to index a nil value (upvalue 't')"* ]]
    [ -z "$(hive ps -aq)" ]
    # a failing post-create hook is a warning; the container runs
    run_hive 0 run --rm busybox echo ran
    [[ "$output" == *"warning: hook $HOOKS_DIR/20-broken.lua:7 (post-create): post hooks only warn"* ]]
    [[ "$output" == *"ran"* ]]
    # pre-start: the container is created but not started
    run_hive 125 run --name nostart busybox true
    [[ "$output" == *"pre-start denied by hook"*"not today"* ]]
    [ "$(hive inspect --format '{{.State.Status}}' nostart)" = "created" ]
    run_hive 1 start nostart
    [[ "$output" == *"not today"* ]]
}

@test "hostile hooks fail within their budgets; pre-* fail closed, post-* let the container run" {
    import_run_base
    printf '[hooks]\ntimeout = "300ms"\ninstructions = 5000000\nmemory = "16m"\n' > "$HIVE_CONFIG"
    for body in 'while true do end' \
                'while true do pcall(function() while true do end end) end' \
                'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 100) .. i end' \
                'local s = string.rep("x", 2^31)' \
                'os.execute("touch /tmp/hive-hook-pwned")' \
                'io.open("/etc/shadow")' \
                'require "os"' \
                'load(string.dump(print))' \
                'debug.sethook()' \
                'setmetatable(hive, {})' \
                'rawset(hive, "deny", print)' \
                'coroutine.wrap(function() while true do end end)()' \
                'collectgarbage("stop")'; do
        rm -f "$HOOKS_DIR/"*.lua
        printf 'hive.on("pre-create", function(c) %s end)\nhive.on("post-start", function(c) %s end)\n' "$body" "$body" \
            | add_hook 10-hostile.lua
        start=$(date +%s%N)
        run_hive 125 run --rm busybox true
        [[ "$output" == *"10-hostile.lua"*"(pre-create)"* ]] || { echo "$body: $output"; return 1; }
        [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ] || { echo "$body took too long"; return 1; }
        [ -z "$(hive ps -aq)" ]
        # the same body after the fact: logged, and the container still runs
        printf 'hive.on("post-start", function(c) %s end)\n' "$body" | add_hook 10-hostile.lua
        run_hive 0 run --rm busybox echo survived
        [[ "$output" == *"survived"* ]] || { echo "$body: $output"; return 1; }
        [[ "$output" == *"warning: hook"*"10-hostile.lua"* ]]
    done
    [ ! -e /tmp/hive-hook-pwned ]
}

@test "a hook file writable by group or others, or not owned by root, is refused" {
    import_run_base
    echo 'hive.on("pre-create", function(c) end)' | add_hook 10-ok.lua
    chmod 0664 "$HOOKS_DIR/10-ok.lua"
    run_hive 125 run --rm busybox true
    [ "$output" = "hive: hook file $HOOKS_DIR/10-ok.lua is refused: it is writable by group or others (chmod go-w $HOOKS_DIR/10-ok.lua)" ]
    chmod 0644 "$HOOKS_DIR/10-ok.lua"
    chown 1000 "$HOOKS_DIR/10-ok.lua"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"is owned by uid 1000, not root"* ]]
    chown 0 "$HOOKS_DIR/10-ok.lua"
    chmod 0777 "$HOOKS_DIR"
    run_hive 125 run --rm busybox true
    [[ "$output" == *"hook directory $HOOKS_DIR is refused"* ]]
    chmod 0755 "$HOOKS_DIR"
    run_hive 0 run --rm busybox true
}

@test "Lua is not loaded for events nobody listens to" {
    import_run_base
    echo 'hive.on("on-remove", function(c) end)' | add_hook 10-rm.lua
    run_hive 0 --log-level debug ps -a
    [[ "$output" != *"loading hook file"* ]]
    run_hive 0 --log-level debug create --name c1 busybox true
    # the first look at a new file loads it once to learn its events
    [ "$(echo "$output" | grep -c 'loading hook file')" -le 1 ]
    run_hive 0 --log-level debug create --name c2 busybox true
    [[ "$output" != *"loading hook file"* ]]
    run_hive 0 --log-level debug rm c1
    [[ "$output" == *"loading hook file $HOOKS_DIR/10-rm.lua"* ]]
}

@test "hooks ls lists registrations in run order; hooks test dry-runs an event" {
    import_run_base
    add_hook 20-net.lua <<'EOF'
hive.on("post-start", function(c) hive.exec({"/bin/touch", "/tmp/hive-hooks-test-ran"}) end)
hive.on("pre-create", function(c)
  if c.labels.team == nil then hive.deny("team label required") end
  c.name = c.labels.team .. "-x"
end, {priority = 5, when = {image = "busy*"}})
EOF
    echo 'hive.on("on-stop", function(c) hive.log.info("bye " .. c.name) end)' | add_hook 10-a.lua
    run_hive 0 hooks ls
    [[ "${lines[0]}" =~ ^KIND\ +FILE\ +EVENT\ +PRIORITY\ +WHEN$ ]]
    [[ "${lines[1]}" == *"10-a.lua"*"on-stop"*"0"* ]]
    [[ "$output" == *"20-net.lua"*"pre-create"*"5"*'{"image":"busy*"}'* ]]
    run_hive 1 hooks test pre-create --image busybox
    [[ "$output" == *"decision: deny: pre-create denied by hook $HOOKS_DIR/20-net.lua: team label required"* ]]
    run_hive 0 hooks test pre-create --image busybox -l team=red
    [[ "$output" == *'change: '*'name: "" -> "red-x"'* ]]
    [[ "$output" == *"decision: allow"* ]]
    hive create --name box -l team=blue busybox true >/dev/null
    run_hive 0 hooks test post-start --container blue-x
    [[ "$output" == *"would run /bin/touch /tmp/hive-hooks-test-ran"* ]]
    [ ! -e /tmp/hive-hooks-test-ran ]
    run_hive 0 hooks test on-stop --container blue-x
    [[ "$output" == *"bye blue-x"* ]]
    run_hive 125 hooks test on-nothing
    [[ "$output" == *'unknown event "on-nothing"'* ]]
}

@test "events: filters, time bounds, json, and following new events" {
    import_run_base
    hive run --rm --name e1 -l app=web busybox true
    hive volume create v1 >/dev/null
    hive volume rm v1 >/dev/null
    run_hive 0 events --until 0s --filter type=container --filter event=start
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:.]+Z\ container\ start\ [0-9a-f]{64}\ \(app=web,\ image=busybox:latest,\ name=e1\)$ ]]
    run_hive 0 events --until 0s --filter label=app=web --filter event=destroy --format json
    [[ "$output" == *'"Action":"destroy"'*'"Type":"container"'* ]]
    [[ "$output" == *'"hive_event":"on-remove"'* ]]
    run_hive 0 events --until 0s --filter type=volume --format '{{.Action}} {{.Actor.ID}}'
    [ "$output" = "$(printf 'create v1\ndestroy v1')" ]
    run_hive 0 events --until 0s --filter type=image --format '{{.Action}}'
    [ "$output" = "import" ]
    run_hive 0 events --since 1h --until 0s --filter container=e1
    [ "${#lines[@]}" -eq 5 ]
    run_hive 0 events --until 10m --since 5m
    [ -z "$output" ]
    # without --until new events stream in
    "$HIVE" events --filter event=create --format '{{.Actor.Attributes.name}}' > "$WORK/stream" &
    pid=$!
    sleep 0.3
    hive create --name later busybox true >/dev/null
    for _ in $(seq 50); do grep -qx later "$WORK/stream" && break; sleep 0.1; done
    kill $pid
    wait $pid 2>/dev/null || true
    grep -qx later "$WORK/stream"
    run_hive 125 events --filter bogus=1 --until 0s
    [[ "$output" == *"invalid filter 'bogus'"* ]]
}

@test "a broken hive.toml is a clear error for operations that run hooks" {
    import_run_base
    printf '[hooks]\ntimeout = 5\n' > "$HIVE_CONFIG"
    run_hive 125 run --rm busybox true
    [ "$output" = "hive: $HIVE_CONFIG: hooks.timeout must be a duration such as \"500ms\", \"2m\" or \"30d\"" ]
    # verbs that fire no event do not read it
    run_hive 0 ps
    run_hive 125 --config /nonexistent/hive.toml run --rm busybox true
    [[ "$output" == *"cannot read the configuration /nonexistent/hive.toml"* ]]
}
