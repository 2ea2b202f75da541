#!/bin/bash
# get-compose.sh [CACHE_DIR]: fetches Debian trixie's `docker-compose` package
# (compose v2, a static Go binary that runs on bookworm) with `apt-get
# download` through a PRIVATE sources list, unpacks it with `dpkg -x` under
# CACHE_DIR (default .cache/compose/ in the repository) and prints the path of
# the binary. The machine's own apt state (sources, lists, cache) is never
# touched: every apt directory points into a temporary dir. Idempotent: a
# second run only prints the path. Quiet; fails with a one-line reason.
#
# The binary is a docker CLI plugin. The docker CLI (28.x) has no environment
# variable for plugin dirs: it looks in $DOCKER_CONFIG/cli-plugins (default
# ~/.docker/cli-plugins), the dirs listed in $DOCKER_CONFIG/config.json's
# "cliPluginsExtraDirs", then /usr/local/lib, /usr/local/libexec, /usr/lib and
# /usr/libexec .../docker/cli-plugins. So with a private DOCKER_CONFIG dir:
#   echo '{"cliPluginsExtraDirs":["DIR-OF-THE-BINARY"]}' > $DOCKER_CONFIG/config.json
# or a symlink $DOCKER_CONFIG/cli-plugins/docker-compose -> the binary, then
# `docker compose version`. It also runs on its own: `docker-compose version`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/compose}
bin=$cache/usr/libexec/docker/cli-plugins/docker-compose
die() { echo "get-compose.sh: $*" >&2; exit 1; }

if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
    echo "$bin"; exit 0
fi
command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian's apt"
command -v dpkg >/dev/null || die "dpkg not found: this script needs Debian's dpkg"

# The mirror the machine already uses for Debian (deb822 .sources or a
# one-line sources.list), so no new host is named here.
mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -1 || true)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list(.d): add one or fetch docker-compose by hand"

tmp=$(mktemp -d /tmp/get-compose.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/dl"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing: install debian-archive-keyring"
echo "deb [signed-by=$keyring] ${mirror%/} trixie main" > "$tmp/sources.list"
opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
      -o "Dir::State::status=/dev/null" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${opts[@]}" -qq update >"$tmp/update.log" 2>&1 ||
    die "apt-get update of the private trixie list failed: $(grep -m1 -E '^(E|W):' "$tmp/update.log" || tail -1 "$tmp/update.log")"
# apt-get update exits 0 when it reached nothing (only "W: Failed to fetch")
ls "$tmp"/lists/*_Packages* >/dev/null 2>&1 ||
    die "apt-get update got no trixie package list from $mirror: $(grep -m1 -E '^(E|W):' "$tmp/update.log" || echo 'no reason given')"
(cd "$tmp/dl" && apt-get "${opts[@]}" -qq download docker-compose >"$tmp/download.log" 2>&1) ||
    die "apt-get download docker-compose failed: $(grep -m1 -E '^E:' "$tmp/download.log" || tail -1 "$tmp/download.log")"
deb=$(ls "$tmp"/dl/docker-compose_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "apt-get download left no docker-compose .deb"
mkdir -p "$cache"
dpkg -x "$deb" "$cache" || die "dpkg -x $deb failed"
cp "$deb" "$cache/" 2>/dev/null || true
if [ ! -x "$bin" ]; then
    alt=$(find "$cache" -type f -name docker-compose -perm -u+x | head -1)
    [ -n "$alt" ] || die "the docker-compose package holds no docker-compose binary"
    bin=$alt
fi
"$bin" version >/dev/null 2>&1 || die "$bin does not run: $("$bin" version 2>&1 | head -1)"
echo "$bin"
