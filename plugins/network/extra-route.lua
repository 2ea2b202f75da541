-- network/extra-route: static routes inside containers' network namespaces.
-- When a container joins a network (on-connect: before its process starts,
-- and on `hive network connect`), each configured route that applies to
-- that network is added in the container's namespace with `ip route
-- replace`, run through `nsenter --net=<the namespace's pinned path>` by
-- hive.exec (only hooks in root-owned system directories have it; argv, no
-- shell). Typical uses: a route to a site network through a router on a
-- user network, or an egress deny list (`type = "prohibit"` for a cloud
-- metadata address), which the container cannot undo without NET_ADMIN.
-- A route that fails is a warning in the log (on-connect cannot refuse).
--
-- hive.toml:
--   [plugins]
--   enabled = ["network/extra-route"]
--   [plugins."network/extra-route"]
--   routes = [
--     { to = "169.254.169.254/32", type = "prohibit" },                  # every network
--     { network = "backend", to = "198.51.100.0/24", via = "10.89.5.254" },
--   ]
--   nsenter = "/usr/bin/nsenter"   # optional
--   ip = "/usr/sbin/ip"            # optional
--
-- A route's fields: `to` (a prefix, required), `via` (a gateway on that
-- network) or `type` (unreachable, prohibit, blackhole, throw), `network`
-- (a network's name; none: every network), `metric` (optional).

local cfg = hive.config
local routes = cfg.routes or {}
local nsenter = cfg.nsenter or "/usr/bin/nsenter"
local ip = cfg.ip or "/usr/sbin/ip"
local types = { unreachable = true, prohibit = true, blackhole = true, throw = true }

-- Checked once, at load: a bad entry is an error naming it, not a silent no-op.
for i, r in ipairs(routes) do
  local where = "network/extra-route: routes[" .. i .. "]"
  if type(r.to) ~= "string" or not r.to:match("^[%x:.]+/%d+$") then
    error(where .. ": `to` must be a prefix such as 198.51.100.0/24", 0)
  end
  if (r.via == nil) == (r.type == nil) then
    error(where .. ": give exactly one of `via` (a gateway) or `type` (unreachable, prohibit, blackhole, throw)", 0)
  end
  if r.via ~= nil and (type(r.via) ~= "string" or not r.via:match("^[%x:.]+$")) then
    error(where .. ": `via` must be an address", 0)
  end
  if r.type ~= nil and not types[r.type] then
    error(where .. ": unknown type " .. tostring(r.type) .. " (unreachable, prohibit, blackhole, throw)", 0)
  end
end

-- The argv that adds route r in namespace `netns` on interface `dev`.
local function argv(r, netns, dev)
  local a = { nsenter, "--net=" .. netns, ip, "route", "replace" }
  if r.type then
    table.insert(a, r.type)
    table.insert(a, r.to)
  else
    for _, w in ipairs({ r.to, "via", r.via, "dev", dev }) do table.insert(a, w) end
  end
  if r.metric then
    table.insert(a, "metric")
    table.insert(a, tostring(r.metric))
  end
  return a
end

hive.on("on-connect", function(c)
  if not c.netns or c.netns == "" then return end
  local network = type(c.network) == "table" and c.network.name or c.network
  local who = type(c.container) == "table" and c.container.name or c.name or "?"
  for _, r in ipairs(routes) do
    if r.network == nil or r.network == network then
      local a = argv(r, c.netns, c.interface or "eth0")
      local res = hive.exec(a)
      if res.status ~= 0 then
        local msg = "network/extra-route: " .. table.concat(a, " ", 3) .. " in " .. who
          .. " exited with " .. res.status .. ": " .. (res.stderr or ""):gsub("%s+$", "")
        hive.log.warn(msg)
      end
    end
  end
end)
