// What docs/docker-compat.md cannot read from the tables: why a Docker
// command or flag does not apply, and how one that hive has differs.
// Keys: a Docker command's words (`swarm`, `volume update`: a group's note
// covers its commands), `COMMAND --flag` for a flag (`run --flag` covers
// run and create), `docker --flag` for a global option. A unit test checks
// that every key names something docker CLI 28 has.
extension DockerCompat {
    static let notes: [String: (Status, String)] = [
        // Commands
        "swarm": (.notApplicable, "Swarm orchestration: hive is a single-host engine without a daemon"),
        "node": (.notApplicable, "Swarm"),
        "service": (.notApplicable, "Swarm"),
        "stack": (.notApplicable, "Swarm"),
        "secret": (.notApplicable, "Swarm"),
        "config": (.notApplicable, "Swarm"),
        "volume update": (.notApplicable, "cluster (Swarm) volumes only"),
        "context": (.notApplicable, "contexts choose a Docker daemon to talk to; hive has none (--root, --runroot or HIVE_ROOT choose a store)"),
        "plugin": (.notApplicable, "Docker engine plugins; hive's plugins are Lua scripts (hive hooks ls)"),
        "checkpoint": (.missing, "needs CRIU (experimental in Docker too)"),
        "trust": (.missing, "Docker Content Trust (Notary v1 signatures)"),
        "manifest annotate": (.missing, "hive reads manifest lists (pull, manifest inspect) but cannot write them"),
        "manifest create": (.missing, "hive reads manifest lists (pull, manifest inspect) but cannot write them"),
        "manifest push": (.missing, "hive reads manifest lists (pull, manifest inspect) but cannot write them"),
        "manifest rm": (.missing, "hive reads manifest lists (pull, manifest inspect) but cannot write them"),
        "search": (.missing, "no Docker Hub search API client"),
        // run and create
        "run --log-driver": (.differs, "json-file (the default) and none only"),
        "run --network": (.differs, "bridge, none, host, a network's name or container:NAME; networks are hive's bridges (no overlay or macvlan)"),
        "run --security-opt": (.differs, "seccomp=unconfined|FILE and no-new-privileges; apparmor= and label= are accepted with a warning (hive has no LSM support)"),
        "run --restart": (.differs, "the container's monitor restarts it; after a reboot the hive-restart systemd unit brings always/unless-stopped containers back"),
        // other commands' flags that hive's tables list only to refuse them
        "build --squash": (.refused, ImageBuild.squashReason),
        // global options
        "docker --config": (.differs, "hive's --config names hive.toml; the docker client's config.json is found through $DOCKER_CONFIG or ~/.docker"),
        "docker --context": (.notApplicable, "no daemon to choose"),
        "docker --host": (.notApplicable, "no daemon to connect to"),
        "docker --tls": (.notApplicable, "no daemon to connect to"),
        "docker --tlscacert": (.notApplicable, "no daemon to connect to"),
        "docker --tlscert": (.notApplicable, "no daemon to connect to"),
        "docker --tlskey": (.notApplicable, "no daemon to connect to"),
        "docker --tlsverify": (.notApplicable, "no daemon to connect to"),
        "docker --debug": (.differs, "use --log-level debug"),
    ]
}
