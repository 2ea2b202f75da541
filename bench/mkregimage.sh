#!/usr/bin/env bash
# The registry bench's image (issue #12): a ~200 MB Debian bookworm rootfs in
# three layers (minbase; + curl and CA certificates; + python3), made with
# mmdebstrap from the package mirror, as an OCI layout (bench/mkregimage.py).
#
#   bench/mkregimage.sh WORKDIR   -> WORKDIR/oci (tag "bench")
set -euo pipefail
w=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v mmdebstrap >/dev/null || apt-get install -y mmdebstrap >/dev/null
mkdir -p "$w"
sets=("" "ca-certificates,curl" "ca-certificates,curl,python3")
for i in 0 1 2; do
    d=$w/l$((i + 1))
    [ -f "$d.done" ] && continue
    rm -rf "$d"
    mmdebstrap --quiet --variant=minbase ${sets[$i]:+--include=${sets[$i]}} bookworm "$d"
    # what differs between two runs and is not the packages: drop it
    rm -rf "$d"/var/cache/apt/*.bin "$d"/var/log/* "$d"/var/cache/ldconfig/aux-cache
    touch "$d.done"
done
rm -rf "$w/oci"
python3 "$here/mkregimage.py" "$w/oci" bench "$w/l1" "$w/l2" "$w/l3"
