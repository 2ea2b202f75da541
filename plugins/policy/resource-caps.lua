-- policy/resource-caps: default limits for containers that ask for none, and
-- caps on what they may ask for. Over a cap, the request is lowered to the
-- cap (on_exceed = "cap", the default) or refused (on_exceed = "deny").
-- Runs on pre-create.
--
-- hive.toml:
--   [plugins]
--   enabled = ["policy/resource-caps"]
--   [plugins."policy/resource-caps"]
--   defaults = { memory = "512m", pids_limit = 1024 }
--   max = { memory = "2g", cpus = 2, pids_limit = 4096 }
--   on_exceed = "cap"

local cfg = hive.config
local defaults = cfg.defaults or {}
local max = cfg.max or {}
local on_exceed = cfg.on_exceed or "cap"

local units = { b = 1, k = 1024, m = 1024 ^ 2, g = 1024 ^ 3, t = 1024 ^ 4 }
local function bytes(v)
  if type(v) == "number" then return math.floor(v) end
  local n, u = tostring(v):lower():match("^([%d.]+)%s*([bkmgt]?)b?$")
  if not n then error("policy/resource-caps: invalid size " .. tostring(v)) end
  return math.floor(tonumber(n) * units[u ~= "" and u or "b"])
end

local function value(field, v)
  if field == "memory" then return bytes(v) end
  return tonumber(v)
end

hive.on("pre-create", function(c)
  local r = c.resources
  for field, v in pairs(defaults) do
    if r[field] == nil then r[field] = value(field, v) end
  end
  for field, v in pairs(max) do
    local cap = value(field, v)
    local asked = r[field]
    -- no limit at all is more than any cap
    if asked == nil or asked > cap then
      if on_exceed == "deny" and asked ~= nil then
        hive.deny(field .. " " .. tostring(asked) .. " is above the cap of " .. tostring(cap) .. " (policy/resource-caps)")
      end
      r[field] = cap
    end
  end
end, {priority = 70})
