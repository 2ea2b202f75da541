-- network/static-hosts: an example network hook. Adds fixed /etc/hosts
-- entries to every container (like --add-host), and once the container runs
-- can call a wiring command with its network namespace path (hive.exec: only
-- for hooks in root-owned system directories; no shell).
--
-- hive.toml:
--   [plugins]
--   enabled = ["network/static-hosts"]
--   [plugins."network/static-hosts"]
--   hosts = { "db.internal" = "10.0.0.5", "cache.internal" = "10.0.0.6" }
--   wire = ["/usr/local/sbin/wire-netns", "{netns}", "{name}"]   # optional

local cfg = hive.config
local hosts = cfg.hosts or {}
local wire = cfg.wire

hive.on("pre-create", function(c)
  local have = {}
  for _, h in ipairs(c.extra_hosts) do have[h:match("^([^:]+)")] = true end
  local names = {}
  for name in pairs(hosts) do table.insert(names, name) end
  table.sort(names)
  for _, name in ipairs(names) do
    if not have[name] then table.insert(c.extra_hosts, name .. ":" .. hosts[name]) end
  end
end)

if wire then
  hive.on("post-start", function(c)
    if c.network ~= "none" then return end
    local argv = {}
    for i, a in ipairs(wire) do
      argv[i] = a:gsub("{netns}", c.netns):gsub("{name}", c.name):gsub("{id}", c.id)
    end
    local r = hive.exec(argv)
    if r.status ~= 0 then
      hive.log.warn("network/static-hosts: " .. argv[1] .. " exited with " .. r.status .. ": " .. r.stderr)
    end
  end)
end
