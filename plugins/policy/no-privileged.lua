-- policy/no-privileged: refuses containers that ask for more power than the
-- default confinement, each a known way from a container to the host:
--
--   what is asked                                  allow = [...] name
--   --privileged                                   "privileged"
--   --cap-add beyond allowed_caps                  (allowed_caps)
--   --security-opt seccomp=unconfined              "seccomp-unconfined"
--   --security-opt seccomp=PROFILE.json            "seccomp-profile"
--   --security-opt no-new-privileges=false         "no-new-privileges"
--   --device                                       "device"
--   --network host                                 "host-network"
--   --pid/--ipc/--uts/--userns host (when hive
--     has them)                                    "host-pid", "host-ipc", "host-uts", "host-userns"
--   a bind mount of the host's /                   "bind-root"
--   a bind mount of /proc, /sys, /dev or below     "bind-proc", "bind-sys", "bind-dev"
--   a bind mount of a socket (docker.sock-like):
--     a source that is a socket, /run/*.sock,
--     /var/run/*.sock, or /run, /var/run           "bind-socket"
--   a bind mount of hive's own state or config
--     (/run/hive, /var/lib/hive, /etc/hive, or any
--     directory above them such as /etc, /var)     "bind-hive"
--   a writable bind mount of a host system
--     directory or below (/bin, /sbin, /usr, /lib*,
--     /boot, /etc, /var/spool) or of /var, /var/lib "bind-system"
--   a bind mount of /root or /home, or a writable
--     one of a home directory (/root/..., /home/USER) "bind-home"
--
-- Bind sources are judged both as given and, for the mounts the command asked
-- for, as the host resolved them (the pre-create context's `source_path`, all
-- symlinks followed, and `source_kind`): `-v /tmp/link:/x` with
-- `/tmp/link -> /` is a bind of /. A mount a site hook adds is judged by its
-- path. Runs on pre-create; a policy plugin, so it cannot call hive.exec, and
-- site hooks cannot undo it (plugins see the final context again).
--
-- hive.toml:
--   [plugins]
--   enabled = ["policy/no-privileged"]
--   [plugins."policy/no-privileged"]
--   allow_images = ["registry.example.com/infra/*"]   # exempt (globs), default none
--   allowed_caps = ["NET_BIND_SERVICE"]               # --cap-add still allowed
--   allow = ["host-network", "bind-dev"]              # the names above, default none
--   allowed_sources = ["/run/myapp/*.sock"]           # bind sources exempt (globs), default none
--   hive_paths = ["/srv/hive"]                        # more of hive's state (a --root elsewhere)
--   deny_unconfined = true                            # false: allow seccomp-unconfined,
--                                                     # seccomp-profile and no-new-privileges

local cfg = hive.config
local allow_images = cfg.allow_images or {}
local allowed_caps = {}
for _, c in ipairs(cfg.allowed_caps or {}) do allowed_caps[c:upper():gsub("^CAP_", "")] = true end
local allowed = {}
for _, a in ipairs(cfg.allow or {}) do allowed[a] = true end
if cfg.deny_unconfined == false then
  allowed["seccomp-unconfined"], allowed["seccomp-profile"], allowed["no-new-privileges"] = true, true, true
end
local allowed_sources = cfg.allowed_sources or {}
local hive_paths = { "/run/hive", "/var/lib/hive", "/etc/hive" }
for _, p in ipairs(cfg.hive_paths or {}) do hive_paths[#hive_paths + 1] = p end

-- Go's path.Match subset: * and ? (not across /)
local function glob(pattern, s)
  local p = "^" .. pattern:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", "[^/]*"):gsub("%?", "[^/]") .. "$"
  return s:match(p) ~= nil
end

local function matches_any(globs, s)
  for _, g in ipairs(globs) do
    if glob(g, s) then return true end
  end
  return false
end

local function deny(what, name)
  if allowed[name] then return end
  hive.deny(what .. " is not allowed on this host (policy/no-privileged; allow = [\"" .. name .. "\"] permits it)")
end

-- a clean absolute path: no ., .., // or trailing / (lexically)
local function clean(p)
  local parts = {}
  for comp in p:gmatch("[^/]+") do
    if comp == ".." then
      parts[#parts] = nil
    elseif comp ~= "." then
      parts[#parts + 1] = comp
    end
  end
  return "/" .. table.concat(parts, "/")
end

-- p is dir or below it
local function within(p, dir)
  return p == dir or p:sub(1, #dir + 1) == dir .. "/"
end

-- Writable, each of these is the host: rewrite a binary or library, a cron
-- job, a kernel. Read-only binds of them stay allowed.
local system_dirs = { "/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/etc", "/var/spool" }

-- Which rule a bind source breaks (nil: none). `kind` is the host's file type, if known.
local function bind_rule(p, kind, readonly)
  if p == "/" then return "the host's /", "bind-root" end
  for _, d in ipairs({ "proc", "sys", "dev" }) do
    if within(p, "/" .. d) then return "/" .. d, "bind-" .. d end
  end
  if kind == "socket" or p == "/run" or p == "/var/run" or glob("/run/*.sock", p) or glob("/var/run/*.sock", p) then
    return "a socket", "bind-socket"
  end
  for _, h in ipairs(hive_paths) do
    local hp = clean(h)
    if within(p, hp) or within(hp, p) then return "hive's own state (" .. hp .. ")", "bind-hive" end
  end
  if p == "/root" or p == "/home" then return "the host's home directories (" .. p .. ")", "bind-home" end
  if not readonly then
    for _, d in ipairs(system_dirs) do
      if within(p, d) then return "a host system directory, writable (" .. d .. ")", "bind-system" end
    end
    if p == "/var" or p == "/var/lib" then return "a host system directory, writable (" .. p .. ")", "bind-system" end
    if within(p, "/root") or glob("/home/*", p) then return "a home directory, writable (" .. p .. ")", "bind-home" end
  end
  return nil
end

local function check_bind(m)
  local given = clean(m.source or "/")
  local paths = { given }
  if m.source_path and m.source_path ~= given then paths[2] = clean(m.source_path) end
  for _, p in ipairs(paths) do
    if matches_any(allowed_sources, p) then return end
  end
  for i, p in ipairs(paths) do
    local what, name = bind_rule(p, m.source_kind, m.readonly)
    if what then
      local via = i > 1 and (" (" .. m.source .. " resolves to " .. p .. ")") or ""
      deny("a bind mount of " .. what .. ": " .. m.source .. via, name)
    end
  end
end

hive.on("pre-create", function(c)
  if matches_any(allow_images, c.image) then return end
  local s = c.security
  if s.privileged then
    deny("--privileged", "privileged")
  end
  for _, cap in ipairs(s.cap_add) do
    local name = cap:upper():gsub("^CAP_", "")
    if not allowed_caps[name] then
      hive.deny("--cap-add " .. cap .. " is not allowed on this host (policy/no-privileged)")
    end
  end
  for _, opt in ipairs(s.security_opt) do
    local key, value = opt:match("^([^=:]+)[=:](.*)$")
    key, value = key or opt, value or ""
    if key == "seccomp" then
      if value == "default" then
        -- hive's own profile
      elseif value == "unconfined" then
        deny("--security-opt seccomp=unconfined", "seccomp-unconfined")
      else
        deny("--security-opt seccomp=" .. value .. " (a custom profile)", "seccomp-profile")
      end
    elseif key == "no-new-privileges" and value == "false" then
      deny("--security-opt no-new-privileges=false", "no-new-privileges")
    end
  end
  for _, d in ipairs(c.devices or {}) do
    deny("--device " .. tostring(type(d) == "table" and (d.path or d.source) or d), "device")
  end
  if c.network == "host" then deny("--network host", "host-network") end
  for _, ns in ipairs({ "pid", "ipc", "uts", "userns" }) do
    if c[ns] == "host" then deny("--" .. ns .. " host", "host-" .. ns) end
  end
  for _, m in ipairs(c.mounts) do
    if m.type == "bind" then check_bind(m) end
  end
end, {priority = 100})
