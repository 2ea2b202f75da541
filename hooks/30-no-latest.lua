-- 30-no-latest.lua: an example site policy: production containers (label
-- env=prod) must name an explicit tag or digest, not :latest.
-- Install: install -m 0644 30-no-latest.lua /etc/hive/hooks.d/

hive.on("pre-create", function(c)
  local image = c.image
  local tagged = image:find("@", 1, true) or image:match(":[^/:]+$")
  if not tagged or image:match(":latest$") then
    hive.deny("env=prod containers need an explicit image tag, not " .. image)
  end
end, {when = {label = {env = "prod"}}})
