#!/usr/bin/env bats
# hive info / system info and hive version in Docker's shapes (issue #15).
load helpers

teardown() { teardown_containers; }

@test "version: Client and Server objects, --format json, the flat keys kept" {
    run_hive 0 version -f '{{.Server.Version}} {{.Client.Version}} {{.Client.Os}}/{{.Server.Arch}}'
    [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ [0-9]+\.[0-9]+\.[0-9]+\ linux/(amd64|arm64) ]]
    run_hive 0 version --format json
    echo "$output" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for side in ("Client", "Server"):
    for k in ("Version", "ApiVersion", "GitCommit", "GoVersion", "Os", "Arch", "BuildTime"):
        assert isinstance(v[side][k], str), (side, k)
assert v["Server"]["MinAPIVersion"] and v["Server"]["GoVersion"].startswith("swift")
names = [c["Name"] for c in v["Server"]["Components"]]
assert names[0] == "Engine" and "Lua" in names, names
assert v["Server"]["Components"][0]["Details"]["KernelVersion"] == v["Server"]["KernelVersion"]
'
    run_hive 0 version
    [[ "$output" == *"Client: hive"* ]]
    [[ "$output" == *"Server: hive"* ]]
    [[ "$output" == *"API version:"* ]]
    run_hive 0 version -f '{{.Version}}'
    [ -n "$output" ]
    run_hive 125 version -f '{{.Server.Nope'
    run_hive 125 version extra
}

@test "info: Docker's JSON keys with their types, counts by state, hooks" {
    import_run_base
    hive run -d --name r1 --network none busybox sleep 300 >/dev/null
    hive run -d --name p1 --network none busybox sleep 300 >/dev/null
    hive pause p1 >/dev/null
    hive create --name c1 --network none busybox true >/dev/null
    mkdir -p "$HOOKS_DIR"
    echo 'hive.on("post-start", function(c) end)' > "$HOOKS_DIR/10-noop.lua"
    run_hive 0 info -f '{{json .}}'
    echo "$output" | python3 -c '
import json, sys
i = json.load(sys.stdin)
types = {"ID": str, "Containers": int, "ContainersRunning": int, "ContainersPaused": int, "ContainersStopped": int,
    "Images": int, "Driver": str, "DriverStatus": list, "Plugins": dict, "MemoryLimit": bool, "SwapLimit": bool,
    "CpuCfsPeriod": bool, "CpuCfsQuota": bool, "CPUShares": bool, "CPUSet": bool, "PidsLimit": bool,
    "IPv4Forwarding": bool, "Debug": bool, "NFd": int, "NGoroutines": int, "SystemTime": str, "LoggingDriver": str,
    "CgroupDriver": str, "CgroupVersion": str, "NEventsListener": int, "KernelVersion": str, "OperatingSystem": str,
    "OSVersion": str, "OSType": str, "Architecture": str, "IndexServerAddress": str, "RegistryConfig": dict,
    "NCPU": int, "MemTotal": int, "DockerRootDir": str, "Name": str, "Labels": list, "ExperimentalBuild": bool,
    "ServerVersion": str, "Runtimes": dict, "DefaultRuntime": str, "Swarm": dict, "LiveRestoreEnabled": bool,
    "Isolation": str, "InitBinary": str, "SecurityOptions": list, "Warnings": list}
for k, t in types.items():
    assert isinstance(i[k], t) and not (t is int and isinstance(i[k], bool)), (k, i.get(k))
assert (i["Containers"], i["ContainersRunning"], i["ContainersPaused"], i["ContainersStopped"]) == (3, 1, 1, 1), i
assert i["Images"] == 1 and i["Swarm"]["LocalNodeState"] == "inactive" and i["OSType"] == "linux"
assert "name=seccomp,profile=builtin" in i["SecurityOptions"]
assert i["NCPU"] >= 1 and i["MemTotal"] > 0 and i["NGoroutines"] == 0
assert i["DockerRootDir"] == sys.argv[1], i["DockerRootDir"]
assert i["Hooks"]["Files"] == [sys.argv[2] + "/10-noop.lua"], i["Hooks"]
assert "docker.io" in i["RegistryConfig"]["IndexConfigs"]
' "$HIVE_ROOT" "$HOOKS_DIR"
    [ "$(hive info -f '{{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}}')" = "1 1 1" ]
    [ "$(hive system info --format '{{.CgroupVersion}}')" = "$(test -f /sys/fs/cgroup/cgroup.controllers && echo 2 || echo 1)" ]
    [ "$(hive info -f '{{.NCPU}}')" = "$(nproc --all 2>/dev/null || nproc)" ] || [ "$(hive info -f '{{.NCPU}}')" = "$(nproc)" ]
    hive info --format json | python3 -c 'import json, sys; json.load(sys.stdin)'
    hive unpause p1 >/dev/null
}

@test "info: Docker's text layout, registries from hive.toml, a bad hive.toml a warning" {
    cat > "$HIVE_CONFIG" <<'EOF'
[registries]
insecure = ["reg.local:5000"]
mirrors = { "docker.io" = ["https://mirror.example"] }
EOF
    run_hive 0 info
    [[ "$output" == *$'Client:\n Version:'* ]]
    [[ "$output" == *$'Server:\n Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: 0'* ]]
    for k in "Server Version:" "Storage Driver: overlay" "Cgroup Driver: cgroupfs" "Cgroup Version:" "Kernel Version: $(uname -r)" \
             "OSType: linux" "Architecture: $(uname -m)" "CPUs:" "Total Memory:" "Name: $(uname -n)" "Docker Root Dir: $HIVE_ROOT" \
             "Debug Mode: false" "Hooks:"; do
        [[ "$output" == *"$k"* ]] || { echo "missing: $k"; return 1; }
    done
    [[ "$output" == *$'Insecure Registries:\n  reg.local:5000'* ]]
    [[ "$output" == *$'Registry Mirrors:\n  https://mirror.example'* ]]
    [ "$(hive info -f '{{index .RegistryConfig.IndexConfigs "reg.local:5000" | json}}')" = '{"Mirrors":[],"Name":"reg.local:5000","Official":false,"Secure":false}' ]
    echo 'bogus_key = 1' > "$HIVE_CONFIG"
    run_hive 0 info
    [[ "$output" == *"WARNING:"*"bogus_key"* ]]
}

@test "info costs a few ms over ps" {
    import_run_base
    for n in 1 2 3; do hive create --network none busybox true >/dev/null; done
    t() { local s=$(date +%s%N); for _ in $(seq 20); do "$HIVE" "$@" >/dev/null; done; echo $(( ($(date +%s%N) - s) / 20000 )); }
    t ps -a >/dev/null
    ps_us=$(t ps -a); info_us=$(t info)
    echo "ps: ${ps_us} us, info: ${info_us} us"
    [ "$info_us" -lt $(( ps_us + 5000 )) ]
}
