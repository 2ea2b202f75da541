#!/usr/bin/env bash
# Runs the import/load comparisons on a fresh ext4 loop device, where the
# filesystem's own history (recently deleted inodes, fragmented groups) does
# not dominate file creation as it does on these machines' root disk.
#
#   bench/loopfs.sh [import|load|...]     (default: import and load)
set -euo pipefail
cd "$(dirname "$0")/.."
img=${LOOP_IMG:-/var/tmp/hive-bench-ext4.img}
mnt=${LOOP_MNT:-/mnt/hive-bench}
mkdir -p "$mnt"
if ! mountpoint -q "$mnt"; then
    truncate -s 4G "$img"
    mkfs.ext4 -q -F "$img"
    mount -o loop "$img" "$mnt"
fi
trap 'umount "$mnt"; rm -f "$img"' EXIT
for what in ${@:-import load}; do
    BENCH_DIR=$mnt bench/run.sh "$what"
done
