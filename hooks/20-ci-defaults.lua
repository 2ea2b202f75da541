-- 20-ci-defaults.lua: an example site hook for CI runners. Containers
-- labelled ci=true get a memory limit and a TTL label (cleanup/container-ttl
-- removes them an hour after they exit), and may not use the host network.
-- Install: install -m 0644 20-ci-defaults.lua /etc/hive/hooks.d/

hive.on("pre-create", function(c)
  if c.labels.ci ~= "true" then return end
  if c.network == "host" then hive.deny("CI containers may not use the host network") end
  if c.resources.memory == nil then c.resources.memory = 1024 * 1024 * 1024 end
  if c.labels["hive.ttl"] == nil then c.labels["hive.ttl"] = "1h" end
end, {when = {label = {ci = "true"}}})
