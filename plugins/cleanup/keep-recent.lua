-- cleanup/keep-recent: keeps the N most recently used images of each
-- repository and offers the older unused ones for removal. Runs on pre-prune
-- (hive system gc, hive system prune, hive image prune): it drops candidates
-- among the N newest of their repository, and on `hive system gc` adds the
-- older ones.
-- Images a container uses are never removed, whatever this plugin says.
--
-- hive.toml:
--   [plugins]
--   enabled = ["cleanup/keep-recent"]
--   [plugins."cleanup/keep-recent"]
--   keep = 3
--   add = true      # also propose the older images (default true)

local cfg = hive.config
local keep = cfg.keep or 3
local add = cfg.add ~= false

local function repo(tag)
  local name = tag:match("^([^@]+)") or tag
  local t = name:match(":([^/:]+)$")
  if t then name = name:sub(1, #name - #t - 1) end
  return name
end

hive.on("pre-prune", function(c)
  local by_repo = {}
  for _, img in ipairs(hive.images()) do
    for _, tag in ipairs(img.tags) do
      local r = repo(tag)
      by_repo[r] = by_repo[r] or {}
      table.insert(by_repo[r], img)
    end
  end
  local protected, older = {}, {}
  for _, list in pairs(by_repo) do
    table.sort(list, function(a, b)
      local ua, ub = a.last_used or a.added, b.last_used or b.added
      if ua ~= ub then return ua > ub end
      return a.id < b.id
    end)
    for i, img in ipairs(list) do
      if i <= keep then protected[img.id] = true else older[img.id] = img end
    end
  end
  local out, seen = {}, {}
  for _, cand in ipairs(c.candidates) do
    if not (cand.type == "image" and protected[cand.id]) then
      table.insert(out, cand)
      seen[cand.id] = true
    end
  end
  if add and c.reason == "gc" then
    for id, img in pairs(older) do
      if not protected[id] and not seen[id] and not img.in_use then
        table.insert(out, {type = "image", id = id, name = img.tags[1] or id, reason = "older than the " .. keep .. " most recent"})
        seen[id] = true
      end
    end
  end
  c.candidates = out
end)
