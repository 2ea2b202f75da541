#!/usr/bin/env bash
# Captures the docker CLI's `--help` of every command and sub-command into
# DIR (default Tests/fixtures/docker-cli-28), one file per command:
# docker.txt, docker-run.txt, docker-image-ls.txt... `hive __docs compat`
# reads them to write docs/docker-compat.md. Help text is wrapped at 80
# columns when stdout is not a terminal, so a capture is reproducible.
set -euo pipefail
dir=${1:-Tests/fixtures/docker-cli-28}
command -v docker >/dev/null || { echo "capture-docker-help: the docker CLI is not installed" >&2; exit 1; }
mkdir -p "$dir"
rm -f "$dir"/docker*.txt
docker --version > "$dir/VERSION"

capture() {  # the command's words after "docker"
    local file="$dir/$(IFS=-; echo "docker${*:+-$*}").txt"
    # an alias of a command captured already (docker ps = docker container ls) is not kept twice
    if [ $# -gt 0 ] && grep -qxE "  (docker [a-z -]+, )*docker $*(, docker [a-z -]+)*" "$dir"/docker*.txt 2>/dev/null; then return; fi
    docker "$@" --help > "$file" 2>&1 </dev/null
    # sub-commands: the entries of every "...Commands:" section
    local subs
    subs=$(awk '/Commands:$/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { sub(/\*$/, "", $1); print $1 }' "$file")
    local s
    for s in $subs; do capture "$@" "$s"; done
}
capture
echo "captured $(ls "$dir"/docker*.txt | wc -l) help texts of $(cat "$dir/VERSION") into $dir"
