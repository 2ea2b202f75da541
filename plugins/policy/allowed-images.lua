-- policy/allowed-images: which images may run (and, for the registry work to
-- come, be pulled), with a default registry and short-name aliases.
-- Short names are first rewritten through `aliases`, then qualified with
-- `default_registry` (if set); the result must match an `allow` glob (when
-- any is given) and no `deny` glob. Runs on pre-create and pre-pull.
--
-- hive.toml:
--   [plugins]
--   enabled = ["policy/allowed-images"]
--   [plugins."policy/allowed-images"]
--   allow = ["docker.io/library/*", "registry.example.com/**"]
--   deny = ["*:latest-unsafe"]
--   default_registry = "registry.example.com"   # short names go there
--   aliases = { web = "registry.example.com/team/web:1.4" }
--
-- Globs: `*` matches within one path segment, `**` across segments.

local cfg = hive.config
local allow = cfg.allow or {}
local deny = cfg.deny or {}
local aliases = cfg.aliases or {}
local default_registry = cfg.default_registry

local function glob(pattern, s)
  local p = pattern:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0")
  p = p:gsub("%*%*", "\1"):gsub("%*", "[^/]*"):gsub("\1", ".*"):gsub("%?", "[^/]")
  return s:match("^" .. p .. "$") ~= nil
end

-- Docker's normalisation: busybox -> docker.io/library/busybox:latest
local function normalise(ref)
  local name, rest = ref:match("^([^@]+)(@.*)$")
  if not name then name, rest = ref, "" end
  local first = name:match("^([^/]+)/")
  if not first or not (first:find("[.:]") or first == "localhost") then
    if not name:find("/") then name = "library/" .. name end
    name = "docker.io/" .. name
  end
  if rest == "" and not name:match(":[^/]+$") then name = name .. ":latest" end
  return name .. rest
end

local function is_short(ref)
  local first = ref:match("^([^/]+)/")
  return not first or not (first:find("[.:]") or first == "localhost")
end

-- returns the rewritten reference, or nil and a reason
local function check(ref)
  local rewritten = ref
  local base = ref:match("^([^:@]+)")
  if aliases[ref] then rewritten = aliases[ref]
  elseif aliases[base] then rewritten = aliases[base] .. ref:sub(#base + 1)
  elseif default_registry and is_short(ref) then rewritten = default_registry .. "/" .. ref end
  local full = normalise(rewritten)
  for _, g in ipairs(deny) do
    if glob(g, full) or glob(g, rewritten) then return nil, "image " .. full .. " is denied by policy/allowed-images (" .. g .. ")" end
  end
  if #allow > 0 then
    local ok = false
    for _, g in ipairs(allow) do
      if glob(g, full) or glob(g, rewritten) then ok = true break end
    end
    if not ok then return nil, "image " .. full .. " is not in the allowed list of policy/allowed-images" end
  end
  return rewritten
end

hive.on("pre-create", function(c)
  local image, why = check(c.image)
  if not image then hive.deny(why) end
  c.image = image
end, {priority = 90})

hive.on("pre-pull", function(c)
  local ref, why = check(c.reference)
  if not ref then hive.deny(why) end
  c.reference = ref
end, {priority = 90})
