-- cleanup/container-ttl: removes containers that exited longer ago than a
-- TTL (CI leftovers, one-off jobs). Runs on pre-prune: `hive system gc`
-- (from cron or the systemd timer) removes expired containers. A label can give one container
-- its own TTL, or `keep` to never expire.
--
-- hive.toml:
--   [plugins]
--   enabled = ["cleanup/container-ttl"]
--   [plugins."cleanup/container-ttl"]
--   ttl = "24h"                  # s, m, h, d
--   label = "hive.ttl"           # -l hive.ttl=10m or -l hive.ttl=keep

local cfg = hive.config
local label = cfg.label or "hive.ttl"

local function seconds(text)
  local total = 0
  for n, u in tostring(text):gmatch("([%d.]+)([smhd])") do
    total = total + tonumber(n) * ({s = 1, m = 60, h = 3600, d = 86400})[u]
  end
  if total == 0 and tostring(text) ~= "0s" then error("cleanup/container-ttl: invalid duration " .. tostring(text)) end
  return total
end

local default_ttl = seconds(cfg.ttl or "24h")

hive.on("pre-prune", function(c)
  local now = hive.now()
  local seen = {}
  for _, cand in ipairs(c.candidates) do seen[cand.id] = true end
  for _, ct in ipairs(c.reason == "gc" and hive.containers() or {}) do
    if ct.state == "exited" and not seen[ct.id] then
      local own = ct.labels[label]
      if own ~= "keep" then
        local ttl = own and seconds(own) or default_ttl
        local ended = ct.finished or ct.created
        if now - ended >= ttl then
          table.insert(c.candidates, {type = "container", id = ct.id, name = ct.name, reason = "exited more than " .. ttl .. " s ago"})
        end
      end
    end
  end
  -- a container labelled keep is never removed by a prune either
  local out = {}
  for _, cand in ipairs(c.candidates) do
    local ct = cand.type == "container" and hive.container(cand.id)
    if not (ct and ct.labels[label] == "keep") then table.insert(out, cand) end
  end
  c.candidates = out
end)
