-- naming/template: names containers that were not given one from a template,
-- checks names against a pattern, and says what a name clash does.
--
-- Template fields: {image} (repository name, no registry or tag), {tag},
-- {label.KEY}, {n} (the smallest number >= 1 that makes the name unique),
-- {short} (6 random hex digits). Missing labels render as `label_default`.
--
-- hive.toml:
--   [plugins]
--   enabled = ["naming/template"]
--   [plugins."naming/template"]
--   template = "{label.team}-{image}-{n}"
--   pattern = "^[a-z0-9][a-z0-9_.-]*$"   # user-given names must match (Lua pattern)
--   on_conflict = "fail"                 # fail | replace (like --replace)
--   label_default = "x"

local cfg = hive.config
local template = cfg.template or "{image}-{n}"
local pattern = cfg.pattern
local on_conflict = cfg.on_conflict or "fail"
local label_default = cfg.label_default or "x"

local function repo_name(image)
  local name = image:match("^([^@]+)") or image
  local tag = name:match(":([^/:]+)$")
  if tag then name = name:sub(1, #name - #tag - 1) end
  return name:match("([^/]+)$") or name, tag or "latest"
end

local function sanitize(s)
  return (s:lower():gsub("[^a-z0-9_.-]", "-"))
end

local function render(c, n)
  local image, tag = repo_name(c.image)
  return (template:gsub("{([%w_.-]+)}", function(key)
    if key == "image" then return sanitize(image) end
    if key == "tag" then return sanitize(tag) end
    if key == "n" then return tostring(n) end
    if key == "short" then return string.format("%06x", math.random(0, 0xffffff)) end
    local label = key:match("^label%.(.+)$")
    if label then return sanitize(c.labels[label] or label_default) end
    error("naming/template: unknown field {" .. key .. "} in the template")
  end))
end

hive.on("pre-create", function(c)
  local taken = {}
  for _, other in ipairs(hive.containers()) do taken[other.name] = true end
  if c.name == "" then
    local uses_n = template:find("{n}", 1, true) ~= nil
    for n = 1, 100000 do
      local name = render(c, n)
      if not taken[name] then c.name = name break end
      if not uses_n then
        if on_conflict == "replace" then c.name = name c.replace = true break end
        hive.deny("the generated name " .. name .. " is taken (naming/template; add {n} to the template or remove the container)")
      end
    end
    return
  end
  if pattern and not c.name:match(pattern) then
    hive.deny("container name " .. c.name .. " does not match " .. pattern .. " (naming/template)")
  end
  if taken[c.name] and on_conflict == "replace" then c.replace = true end
end, {priority = 50})
