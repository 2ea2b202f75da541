-- 10-audit.lua: an example site hook that logs who did what to containers
-- (first create vs every start vs stop vs remove: moby/moby#10493).
-- Install: install -m 0644 10-audit.lua /etc/hive/hooks.d/
-- Messages go to stderr at --log-level info and to the event log on failure.

hive.on("post-create", function(c)
  hive.log.info("created " .. c.name .. " from " .. c.image)
end)

hive.on("pre-start", function(c)
  hive.log.info("starting " .. c.name)
end)

hive.on("on-stop", function(c)
  hive.log.info(c.name .. " stopped by " .. c.by .. " with status " .. tostring(c.exit_code))
end)

hive.on("on-remove", function(c)
  hive.log.info("removed " .. c.type .. " " .. (c.name or c.id))
end)
