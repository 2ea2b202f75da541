#!/usr/bin/env bats
# The shipped plugins, each through the real CLI: allow, deny and mutate.
load helpers

@test "policy/no-privileged: denies --privileged, caps beyond the list and unconfined seccomp" {
    import_run_base
    hive tag busybox trusted/tool >/dev/null
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
[plugins."policy/no-privileged"]
allowed_caps = ["NET_BIND_SERVICE"]
allow_images = ["trusted/*"]
EOF
    run_hive 125 run --rm --privileged busybox true
    [[ "$output" == *"pre-create denied by hook $PLUGINS/policy/no-privileged.lua: --privileged is not allowed on this host"* ]]
    run_hive 125 run --rm --cap-add SYS_ADMIN busybox true
    [[ "$output" == *"--cap-add SYS_ADMIN is not allowed"* ]]
    run_hive 125 run --rm --security-opt seccomp=unconfined busybox true
    [[ "$output" == *"seccomp=unconfined is not allowed"* ]]
    run_hive 0 run --rm --cap-add CAP_NET_BIND_SERVICE busybox echo allowed
    [ "$output" = "allowed" ]
    run_hive 0 run --rm --privileged trusted/tool echo exempt
    [ "$output" = "exempt" ]
    [ -z "$(hive ps -aq)" ]
}

@test "policy/allowed-images: allow and deny globs, aliases, default registry, pre-pull" {
    import_run_base
    hive tag busybox registry.example.com/team/web:1.4 >/dev/null
    hive tag busybox busybox:unsafe >/dev/null
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/allowed-images"]
[plugins."policy/allowed-images"]
allow = ["docker.io/library/*", "registry.example.com/**"]
deny = ["*:unsafe"]
aliases = { web = "registry.example.com/team/web:1.4" }
EOF
    run_hive 0 run --rm busybox echo ok
    run_hive 125 run --rm busybox:unsafe true
    [[ "$output" == *"image docker.io/library/busybox:unsafe is denied by policy/allowed-images (*:unsafe)"* ]]
    hive tag busybox quay.io/other/thing:1 >/dev/null
    run_hive 125 run --rm quay.io/other/thing:1 true
    [[ "$output" == *"quay.io/other/thing:1 is not in the allowed list"* ]]
    run_hive 0 run --rm --name aliased web echo via-alias
    [ "$output" = "via-alias" ]
    run_hive 0 events --until 0s --filter event=create --filter container=aliased --format '{{.Actor.Attributes.image}}'
    [ "$output" = "registry.example.com/team/web:1.4" ]
    run_hive 1 hooks test pre-pull --image quay.io/other/thing:2
    [[ "$output" == *"decision: deny"*"not in the allowed list"* ]]
    run_hive 0 hooks test pre-pull --image web
    [[ "$output" == *'reference: "web" -> "registry.example.com/team/web:1.4"'* ]]
    # a default registry qualifies short names
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/allowed-images"]
[plugins."policy/allowed-images"]
default_registry = "registry.example.com/team"
EOF
    run_hive 0 run --rm web:1.4 echo qualified
    [ "$output" = "qualified" ]
}

@test "policy/require-labels: required labels, patterns, defaults" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/require-labels"]
[plugins."policy/require-labels"]
required = ["team"]
patterns = { team = "^[a-z][a-z0-9-]*$" }
defaults = { env = "dev" }
EOF
    run_hive 125 run --rm busybox true
    [[ "$output" == *"label team is required (add -l team=...; policy/require-labels)"* ]]
    run_hive 125 run --rm -l team=Bad_Team busybox true
    [[ "$output" == *"label team=Bad_Team does not match"* ]]
    id=$(hive create -l team=web busybox true)
    [ "$(hive inspect --format '{{index .Config.Labels "env"}}' "$id")" = "dev" ]
    id=$(hive create -l team=web -l env=prod busybox true)
    [ "$(hive inspect --format '{{index .Config.Labels "env"}}' "$id")" = "prod" ]
}

@test "policy/resource-caps: defaults, caps lowered or refused" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/resource-caps"]
[plugins."policy/resource-caps"]
defaults = { memory = "64m" }
max = { memory = "128m", pids_limit = 100 }
EOF
    id=$(hive create busybox true)
    [ "$(hive inspect --format '{{.HostConfig.Memory}}' "$id")" = "67108864" ]
    [ "$(hive inspect --format '{{.HostConfig.PidsLimit}}' "$id")" = "100" ]
    id=$(hive create -m 1g --pids-limit 50 busybox true)
    [ "$(hive inspect --format '{{.HostConfig.Memory}}' "$id")" = "134217728" ]
    [ "$(hive inspect --format '{{.HostConfig.PidsLimit}}' "$id")" = "50" ]
    # the cap holds in the kernel too
    id=$(hive run -d -m 1g busybox sleep 30)
    max=$(find /sys/fs/cgroup -name "hive-${id:0:16}" -type d | while read -r d; do cat "$d/pids.max" 2>/dev/null; done | head -1)
    [ "$max" = "100" ]
    hive rm -f "$id" >/dev/null
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/resource-caps"]
[plugins."policy/resource-caps"]
max = { memory = "128m" }
on_exceed = "deny"
EOF
    run_hive 125 run --rm -m 1g busybox true
    [[ "$output" == *"memory 1073741824 is above the cap of 134217728 (policy/resource-caps)"* ]]
}

@test "naming/template: generated names, the name pattern, replace on conflict" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["naming/template"]
[plugins."naming/template"]
template = "{label.team}-{image}-{n}"
pattern = "^[a-z][a-z0-9-]*$"
EOF
    hive create -l team=red busybox true >/dev/null
    hive create -l team=red busybox true >/dev/null
    hive create busybox true >/dev/null
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "red-busybox-1 red-busybox-2 x-busybox-1 " ]
    run_hive 125 create --name Bad_Name busybox true
    [[ "$output" == *"container name Bad_Name does not match"* ]]
    use_plugins <<'EOF'
[plugins]
enabled = ["naming/template"]
[plugins."naming/template"]
template = "{image}-singleton"
on_conflict = "replace"
EOF
    first=$(hive create busybox true)
    second=$(hive create busybox true)
    [ "$first" != "$second" ]
    [ "$(hive ps -aq --no-trunc --filter name=busybox-singleton)" = "$second" ]
}

@test "cleanup/keep-recent: keeps the newest N per repository, never an image in use" {
    import_run_base
    for v in 1 2 3 4; do
        hive import --change "LABEL v=$v" "$(base_tar)" app:$v >/dev/null
        sleep 1.1
    done
    hive create --name uses-1 app:1 true >/dev/null  # in use: never removed
    use_plugins <<'EOF'
[plugins]
enabled = ["cleanup/keep-recent"]
[plugins."cleanup/keep-recent"]
keep = 2
[gc]
min_age = "0s"
EOF
    # most recently used first: app:1 (just used by a container), app:4, then app:3, app:2
    run_hive 0 system gc --dry-run
    [[ "$output" == *"would remove image app:2"*"older than the 2 most recent"* ]]
    [[ "$output" == *"would remove image app:3"* ]]
    [[ "$output" != *"app:1"* && "$output" != *"app:4"* && "$output" != *"busybox"* ]]
    run_hive 0 system gc
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 app:4 busybox:latest " ]
    # a prune of everything unused still leaves the protected ones
    hive rm uses-1 >/dev/null
    run_hive 0 image prune -a -f
    run_hive 0 images --format '{{.Repository}}:{{.Tag}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "app:1 app:4 busybox:latest " ]
}

@test "cleanup/container-ttl: containers exited longer than the TTL go; running and keep stay" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["cleanup/container-ttl"]
[plugins."cleanup/container-ttl"]
ttl = "1s"
EOF
    hive run --name old busybox true
    hive run --name kept -l hive.ttl=keep busybox true
    hive run --name long -l hive.ttl=1h busybox true
    hive run -d --name running busybox sleep 30 >/dev/null
    sleep 1.5
    hive run --name fresh busybox true
    run_hive 0 system gc
    [[ "$output" == *"Deleted Containers:"* ]]
    run_hive 0 ps -a --format '{{.Names}}'
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "fresh kept long running " ]
    run_hive 0 events --until 0s --filter event=destroy --format '{{.Actor.Attributes.name}}'
    [ "$output" = "old" ]
    hive rm -f running >/dev/null
}

@test "network/static-hosts: /etc/hosts entries, and a wiring command with the netns path" {
    import_run_base
    use_plugins <<EOF
[plugins]
enabled = ["network/static-hosts"]
[plugins."network/static-hosts"]
hosts = { "db.internal" = "10.0.0.5" }
wire = ["/bin/sh", "-c", "echo \$0 \$1 > $WORK/wired", "{netns}", "{name}"]
EOF
    run_hive 0 run --rm --name netted --network none --add-host cache.internal:10.0.0.6 busybox cat /etc/hosts
    [[ "$output" == *"10.0.0.6	cache.internal"* ]]
    [[ "$output" == *"10.0.0.5	db.internal"* ]]
    grep -Eq '^/proc/[0-9]+/ns/net netted$' "$WORK/wired"
    run_hive 125 run --rm --add-host nocolon busybox true
    [[ "$output" == *'bad format for add-host: "nocolon"'* ]]
}

@test "plugins run before site hooks, and a site hook cannot undo a policy" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/no-privileged"]
EOF
    echo 'hive.on("pre-create", function(c) c.security.privileged = true end)' | add_hook 50-sneaky.lua
    run_hive 125 run --rm busybox true
    [[ "$output" == *"no-privileged.lua: --privileged is not allowed"* ]]
    run_hive 0 hooks ls --format '{{.Kind}} {{.Event}}'
    [ "$output" = "$(printf 'plugin pre-create\nsite pre-create')" ]
}

@test "an enabled plugin that does not exist is a clear error" {
    import_run_base
    use_plugins <<'EOF'
[plugins]
enabled = ["policy/nope"]
EOF
    run_hive 125 run --rm busybox true
    [[ "$output" == *"plugin policy/nope is enabled in $HIVE_CONFIG but not found in $PLUGINS"* ]]
}
