#!/usr/bin/env bats
# Network hooks and events (issue #13): on-network-create/remove and
# on-connect/disconnect in Lua (with the netns path and interface names),
# pre-create changing the network, aliases, ports and DNS, the event log's
# network lines. Each test runs hive in namespaces of its own (netns.bash).
load helpers
load netns

setup() { net_setup; }
teardown() { net_teardown; }

# A hook that logs every scalar field of each network event's context (and of
# its tables, as t.k=v) as NET <event> k=v ...
trace_hook() {
    add_hook 10-nettrace.lua <<'EOF'
for _, e in ipairs({"on-network-create", "on-network-remove", "on-connect", "on-disconnect"}) do
  hive.on(e, function(c)
    local keys = {}
    for k, v in pairs(c) do
      if type(v) ~= "table" then table.insert(keys, k .. "=" .. tostring(v))
      else for k2, v2 in pairs(v) do
        if type(v2) ~= "table" then table.insert(keys, k .. "." .. tostring(k2) .. "=" .. tostring(v2)) end
      end end
    end
    table.sort(keys)
    hive.log.warn("NET " .. e .. " " .. table.concat(keys, " "))
  end)
end
EOF
}

@test "on-network-create/remove fire with the network's name, subnet and bridge; the event log has create/destroy" {
    trace_hook
    run_hive 0 network create --subnet 10.89.30.0/24 hooked
    local line
    line=$(echo "$output" | grep 'NET on-network-create')
    [[ "$line" == *"=hooked"* ]]
    [[ "$line" == *"=10.89.30.0/24"* ]]
    run_hive 0 network rm hooked
    [[ "$output" == *"NET on-network-remove"*"=hooked"* ]]
    run_hive 0 events --until 0s --filter type=network
    [[ "$output" == *"network create"*"name=hooked"* ]]
    [[ "$output" == *"network destroy"*"name=hooked"* ]]
}

@test "on-connect/on-disconnect fire for run, network connect and disconnect with the netns path and both interface names" {
    import_run_base
    trace_hook
    hive network create --subnet 10.89.31.0/24 side >/dev/null
    run_hive 0 run -d --name conn busybox sleep 120
    local id=${lines[-1]}
    [[ "$id" =~ ^[0-9a-f]{64}$ ]]
    run_hive 0 events --until 0s --filter type=hook --filter event=warning
    local line
    line=$(echo "$output" | grep 'NET on-connect' | head -1)
    [[ "$line" == *"=$HIVE_RUNROOT/netns/$id"* ]]
    [[ "$line" == *"=eth0"* ]]
    [[ "$line" == *"=conn"* ]]
    # the host-side interface it names is a real one, on the host's side
    local veth
    veth=$(echo "$line" | tr ' ' '\n' | grep -E '^(host_interface|veth|host_if)[a-z_]*=' | cut -d= -f2)
    [ -n "$veth" ]
    hns ip link show "$veth" >/dev/null
    # the namespace it names is the container's
    [ "$(nsenter --net="$HIVE_RUNROOT/netns/$id" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)" = "$(ctr_ip conn)" ]
    run_hive 0 network connect side conn
    [[ "$output" == *"NET on-connect"*"=eth1"*"=side"* ]] || [[ "$output" == *"NET on-connect"*"=side"*"=eth1"* ]]
    run_hive 0 network disconnect side conn
    [[ "$output" == *"NET on-disconnect"*"=side"* ]]
    hive rm -f conn >/dev/null
    run_hive 0 events --until 0s --filter type=network
    [[ "$output" == *"network connect"*"container=$id"* ]] || [[ "$output" == *"network connect"*"container=conn"* ]]
    [[ "$output" == *"network disconnect"*"name=side"* ]]
    [ "$(echo "$output" | grep -c 'network disconnect')" -ge 2 ]
}

@test "pre-create may change the network, the aliases, the ports and the DNS servers" {
    import_run_base
    hive network create --subnet 10.89.32.0/24 chosen >/dev/null
    add_hook 20-wire.lua <<'EOF'
hive.on("pre-create", function(c)
  if c.labels.wire ~= "yes" then return end
  c.network = "chosen"
  c.network_aliases = {"by-hook"}
  c.ports = {"8089:80"}
  c.dns.servers = {"192.0.2.2"}
end)
EOF
    hive run -d --name wired -l wire=yes busybox sh -c 'mkdir /w; echo hooked-ok > /w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
    wait_running wired
    [[ "$(ctr_ip wired)" == 10.89.32.* ]]
    run_hive 0 exec wired cat /etc/resolv.conf
    [[ "$output" == *"nameserver 192.0.2.2"* ]]
    run wait_http "$NS_U" "http://$HOST_UP_ADDR:8089/"
    [ "$output" = hooked-ok ]
    run_hive 0 run --rm --network chosen busybox timeout 3 wget -q -O- http://by-hook/
    [ "$output" = hooked-ok ]
    # what the hook sets is validated like a flag
    add_hook 30-bad.lua <<'EOF'
hive.on("pre-create", function(c) if c.labels.bad == "yes" then c.ports = {"notaport"} end end)
EOF
    run_hive 125 run --rm -l bad=yes busybox true
    [[ "$output" == *notaport* ]]
}

@test "a pre-create hook setting --network host or none is honoured" {
    import_run_base
    add_hook 20-none.lua <<'EOF'
hive.on("pre-create", function(c) if c.labels.net then c.network = c.labels.net end end)
EOF
    run_hive 0 run --rm -l net=none busybox ls /sys/class/net
    [ "$output" = lo ]
    run_hive 0 run --rm -l net=host busybox ls /sys/class/net
    [[ "$output" == *up0* ]]
}
