-- policy/require-labels: every container must carry the listed labels, each
-- optionally matching a Lua pattern; `defaults` fills in labels the user did
-- not give. Runs on pre-create (defaults first, then the checks).
--
-- hive.toml:
--   [plugins]
--   enabled = ["policy/require-labels"]
--   [plugins."policy/require-labels"]
--   required = ["team", "owner"]
--   patterns = { team = "^[a-z][a-z0-9-]*$" }
--   defaults = { env = "dev" }

local cfg = hive.config
local required = cfg.required or {}
local patterns = cfg.patterns or {}
local defaults = cfg.defaults or {}

hive.on("pre-create", function(c)
  for k, v in pairs(defaults) do
    if c.labels[k] == nil then c.labels[k] = tostring(v) end
  end
  for _, k in ipairs(required) do
    if c.labels[k] == nil or c.labels[k] == "" then
      hive.deny("label " .. k .. " is required (add -l " .. k .. "=...; policy/require-labels)")
    end
  end
  for k, p in pairs(patterns) do
    local v = c.labels[k]
    if v ~= nil and not v:match(p) then
      hive.deny("label " .. k .. "=" .. v .. " does not match " .. p .. " (policy/require-labels)")
    end
  end
end, {priority = 80})
