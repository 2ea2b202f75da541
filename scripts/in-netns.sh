#!/bin/bash
# in-netns.sh TAG COMMAND...: runs COMMAND in a network namespace of its own,
# made here and removed afterwards, so tests that make bridges, veths and
# nftables rules never touch the host's network (hive's default network is a
# bridge). nsenter, not `ip netns exec`, which remounts /sys and hides the
# cgroup mounts. Loopback is up; nothing else is.
set -euo pipefail
tag=$1; shift
name=hive-$tag-$$
ip netns add "$name"
trap 'ip netns del "$name" 2>/dev/null || true' EXIT
nsenter --net="/run/netns/$name" ip link set lo up
nsenter --net="/run/netns/$name" "$@"
