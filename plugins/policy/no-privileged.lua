-- policy/no-privileged: refuses containers that ask for more power than the
-- default confinement: --privileged, and (configurable) added capabilities,
-- seccomp=unconfined and no-new-privileges=false. Runs on pre-create; a
-- policy plugin, so it cannot call hive.exec, and site hooks run after it
-- cannot undo it.
--
-- hive.toml:
--   [plugins]
--   enabled = ["policy/no-privileged"]
--   [plugins."policy/no-privileged"]
--   allow_images = ["registry.example.com/infra/*"]   # exempt (globs), default none
--   allowed_caps = ["NET_BIND_SERVICE"]               # --cap-add still allowed
--   deny_unconfined = true                            # default true

local cfg = hive.config
local allow_images = cfg.allow_images or {}
local allowed_caps = {}
for _, c in ipairs(cfg.allowed_caps or {}) do allowed_caps[c:upper():gsub("^CAP_", "")] = true end
local deny_unconfined = cfg.deny_unconfined ~= false

-- Go's path.Match subset: * and ? (not across /)
local function glob(pattern, s)
  local p = "^" .. pattern:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", "[^/]*"):gsub("%?", "[^/]") .. "$"
  return s:match(p) ~= nil
end

local function exempt(image)
  for _, g in ipairs(allow_images) do
    if glob(g, image) then return true end
  end
  return false
end

hive.on("pre-create", function(c)
  if exempt(c.image) then return end
  local s = c.security
  if s.privileged then
    hive.deny("--privileged is not allowed on this host (policy/no-privileged)")
  end
  for _, cap in ipairs(s.cap_add) do
    local name = cap:upper():gsub("^CAP_", "")
    if not allowed_caps[name] then
      hive.deny("--cap-add " .. cap .. " is not allowed on this host (policy/no-privileged)")
    end
  end
  if deny_unconfined then
    for _, opt in ipairs(s.security_opt) do
      if opt == "seccomp=unconfined" or opt == "seccomp:unconfined" then
        hive.deny("--security-opt seccomp=unconfined is not allowed on this host (policy/no-privileged)")
      end
      if opt == "no-new-privileges=false" then
        hive.deny("--security-opt no-new-privileges=false is not allowed on this host (policy/no-privileged)")
      end
    end
  end
end, {priority = 100})
