#!/usr/bin/env bats
# Registries that want something (issue #12): TLS with a CA from certs.d,
# insecure registries, Basic auth (htpasswd) with credentials from hive's auth
# file, --authfile, Docker's config.json and a credential helper; Bearer
# tokens from a token server; no password in process lists, events or debug
# logs; mirrors and short-name aliases from hive.toml. Servers: Debian's
# docker-registry and Tests/fixtures/token-server.py on 127.0.0.1, started by
# each test. (`hive login` itself is tested in 300-login.bats.)
load helpers
load registry

eval "$(declare -f setup | sed '1s/^setup/hive_setup/')"

setup() {
    hive_setup
    # no credentials of this machine's user leak into a test, none leak out
    export DOCKER_CONFIG=$WORK/docker-config HIVE_AUTH_FILE=$WORK/hive-auth.json
    mkdir -p "$DOCKER_CONFIG" && echo '{}' > "$DOCKER_CONFIG/config.json"   # podman and skopeo want it to exist
    command -v docker-registry >/dev/null || skip "docker-registry is not installed (make test-deps installs it)"
    PW=pw-$RANDOM$RANDOM-not-in-argv
}

# An image in the registry $REGISTRY at $1 (pushed by skopeo with $2 as
# credentials when given), then nothing left in hive's store.
seed_image() {
    import_busybox
    hive save -o "$WORK/seed.tar" busybox
    hive rmi busybox >/dev/null
    local creds=()
    [ -n "${2:-}" ] && creds=(--dest-creds "$2")
    local tls=(--dest-tls-verify=false)
    [ -n "${SEED_CA:-}" ] && tls=(--dest-cert-dir "$SEED_CA")
    run skopeo copy -q "${tls[@]}" "${creds[@]}" "docker-archive:$WORK/seed.tar" "docker://$REGISTRY/$1"
    [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
    assert_store_empty
}

# hive login to $REGISTRY as $1 with the password on stdin (never in argv).
login_as() {
    run "$HIVE" login -u "$1" --password-stdin "${@:3}" "$REGISTRY" <<<"$2"
}

# Writes hive.toml's [registries] section from stdin (the rest of the file goes).
registries_toml() {
    { echo "[registries]"; cat; } > "$HIVE_CONFIG"
}

# hive.toml: [registries.mirrors] ORIGIN = [MIRROR].
mirrors_toml() {
    printf '[registries.mirrors]\n"%s" = ["%s"]\n' "$1" "$2" > "$HIVE_CONFIG"
}

# refused_both_ways WORDS REPO SKOPEO-OPTIONS...: a pull of $REGISTRY/REPO/bb:1
# (seeded) and a push of busybox to REPO/mine:1 both exit 1 with an error
# matching WORDS (and naming the registry); nothing is left in the store and
# nothing reached the registry (skopeo looks with SKOPEO-OPTIONS).
refused_both_ways() {
    local words=$1 repo=$2; shift 2
    run_hive 1 pull "$REGISTRY/$repo/bb:1"
    [[ "$output" == *"$REGISTRY"* ]] || { echo "$output"; return 1; }
    grep -Eqi "$words" <<<"$output" || { echo "$output"; return 1; }
    assert_store_empty
    import_busybox
    hive tag busybox "$REGISTRY/$repo/mine:1"
    run_hive 1 push "$REGISTRY/$repo/mine:1"
    grep -Eqi "$words" <<<"$output" || { echo "$output"; return 1; }
    run skopeo inspect "$@" "docker://$REGISTRY/$repo/mine:1"
    [ "$status" -ne 0 ] || { echo "the push reached the registry"; return 1; }
}

# ---- TLS -------------------------------------------------------------------

@test "TLS: with the test CA in certs.d hive pushes and pulls" {
    registry_start --tls
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive tag busybox "$REGISTRY/tls/bb:1"
    run_hive 0 push "$REGISTRY/tls/bb:1"
    run skopeo inspect --cert-dir "$CONF/certs.d/$REGISTRY" --format '{{.Digest}}' "docker://$REGISTRY/tls/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    hive rmi -f "$id" >/dev/null
    assert_store_empty
    run_hive 0 pull "$REGISTRY/tls/bb:1"
    [ "$(hive images -q --no-trunc "$REGISTRY/tls/bb:1")" = "$id" ]
}

@test "TLS: without the CA a pull and a push fail with a certificate error naming the host; nothing is left" {
    registry_start --tls
    SEED_CA=$CONF/certs.d/$REGISTRY seed_image tls/bb:1
    mkdir -p "$WORK/no-certs"
    registries_toml <<<"certs_dirs = [\"$WORK/no-certs\"]"
    refused_both_ways certificate tls --cert-dir "$CONF/certs.d/$REGISTRY"
}

@test "TLS: the certificate error is one clear line that says where the CA goes (certs.d) or to list the registry insecure" {
    registry_start --tls
    SEED_CA=$CONF/certs.d/$REGISTRY seed_image tls/bb:1
    mkdir -p "$WORK/no-certs"
    registries_toml <<<"certs_dirs = [\"$WORK/no-certs\"]"
    run_hive 1 pull "$REGISTRY/tls/bb:1"
    [ "${#lines[@]}" -eq 1 ] || { echo "not one line: $output"; return 1; }
    [[ "$output" == *"$REGISTRY"* && "$output" == *"certs.d"* ]] || { echo "$output"; return 1; }
    [[ "$output" != *"NIOSSL"* && "$output" != *".cc:"* ]] || { echo "library internals in the message: $output"; return 1; }
}

@test "TLS: a registry listed in [registries] insecure works without its CA" {
    registry_start --tls
    SEED_CA=$CONF/certs.d/$REGISTRY seed_image tls/bb:1
    mkdir -p "$WORK/no-certs"
    registries_toml <<EOF
certs_dirs = ["$WORK/no-certs"]
insecure = ["$REGISTRY"]
EOF
    run_hive 0 pull "$REGISTRY/tls/bb:1"
    [ -n "$(hive images -q "$REGISTRY/tls/bb:1")" ]
    hive tag "$REGISTRY/tls/bb:1" "$REGISTRY/tls/back:1"
    run_hive 0 push "$REGISTRY/tls/back:1"
    run skopeo inspect --cert-dir "$CONF/certs.d/$REGISTRY" "docker://$REGISTRY/tls/back:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

# ---- Basic (htpasswd) ------------------------------------------------------

@test "Basic: pull and push without credentials fail with an auth error (exit 1) naming the registry and leave nothing" {
    registry_start --htpasswd "alice:$PW"
    seed_image auth/bb:1 "alice:$PW"
    refused_both_ways 'auth|unauthorized|login' auth --tls-verify=false --creds "alice:$PW"
}

@test "Basic: after hive login pull and push work; a wrong password is refused and saves nothing" {
    registry_start --htpasswd "alice:$PW"
    seed_image auth/bb:1 "alice:$PW"
    login_as alice wrong-password
    [ "$status" -eq 1 ] || { echo "$output"; return 1; }
    [ ! -s "$HIVE_AUTH_FILE" ] || ! grep -q "$REGISTRY" "$HIVE_AUTH_FILE"
    login_as alice "$PW"
    [ "$status" -eq 0 ] && [[ "$output" == *"Login Succeeded"* ]] || { echo "$output"; return 1; }
    [ "$(stat -c %a "$HIVE_AUTH_FILE")" = 600 ]
    ! grep -q "$PW" "$HIVE_AUTH_FILE"   # base64, as Docker's, never the plain password
    run_hive 0 pull "$REGISTRY/auth/bb:1"
    hive tag "$REGISTRY/auth/bb:1" "$REGISTRY/auth/mine:1"
    run_hive 0 push "$REGISTRY/auth/mine:1"
    run skopeo inspect --tls-verify=false --creds "alice:$PW" "docker://$REGISTRY/auth/mine:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "Basic: --authfile on login and pull; without it the pull is not authenticated" {
    registry_start --htpasswd "alice:$PW"
    seed_image auth/bb:1 "alice:$PW"
    login_as alice "$PW" --authfile "$WORK/other-auth.json"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    [ -s "$WORK/other-auth.json" ]
    [ ! -e "$HIVE_AUTH_FILE" ]
    run_hive 1 pull "$REGISTRY/auth/bb:1"
    assert_store_empty
    run_hive 0 pull --authfile "$WORK/other-auth.json" "$REGISTRY/auth/bb:1"
    [ -n "$(hive images -q "$REGISTRY/auth/bb:1")" ]
}

@test "Basic: credentials from Docker's config.json in \$DOCKER_CONFIG work with no hive login" {
    registry_start --htpasswd "alice:$PW"
    seed_image auth/bb:1 "alice:$PW"
    mkdir -p "$DOCKER_CONFIG"
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf 'alice:%s' "$PW" | base64 -w0)" > "$DOCKER_CONFIG/config.json"
    run_hive 0 pull "$REGISTRY/auth/bb:1"
    [ -n "$(hive images -q "$REGISTRY/auth/bb:1")" ]
    [ ! -e "$HIVE_AUTH_FILE" ]
}

# A credential helper docker-credential-hivetest in $WORK/bin: answers `get`
# for $REGISTRY with alice and the password (read from a file, not argv),
# logs each server it was asked about, takes half a second (to be seen).
make_cred_helper() {
    mkdir -p "$WORK/bin" "$DOCKER_CONFIG"
    printf '%s' "$PW" > "$WORK/helper-secret"
    cat > "$WORK/bin/docker-credential-hivetest" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 1
read -r server
echo "\$server" >> "$WORK/helper.log"
sleep 0.5
case \$server in
    *$REGISTRY*) printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}\n' "\$server" "\$(cat $WORK/helper-secret)" ;;
    *) echo "credentials not found in native keychain"; exit 1 ;;
esac
EOF
    chmod +x "$WORK/bin/docker-credential-hivetest"
    printf '{"credHelpers": {"%s": "hivetest"}}\n' "$REGISTRY" > "$DOCKER_CONFIG/config.json"
}

@test "Basic: a credential helper named by credHelpers gives the credentials (server on stdin)" {
    registry_start --htpasswd "alice:$PW"
    seed_image auth/bb:1 "alice:$PW"
    make_cred_helper
    PATH=$WORK/bin:$PATH run_hive 0 pull "$REGISTRY/auth/bb:1"
    [ -n "$(hive images -q "$REGISTRY/auth/bb:1")" ]
    grep -q "$REGISTRY" "$WORK/helper.log"
}

@test "the password is never in a process's argv during a pull, nor in the events, nor in --log-level debug output" {
    registry_start --htpasswd "alice:$PW"
    # a layer big enough for the pull to last while /proc is read
    mkdir -p "$WORK/big"
    head -c 24M /dev/urandom > "$WORK/big/data"
    tar -C "$WORK/big" -cf "$WORK/big.tar" .
    hive import "$WORK/big.tar" "$REGISTRY/auth/big:1" >/dev/null
    hive save -o "$WORK/seed.tar" "$REGISTRY/auth/big:1"
    hive rmi "$REGISTRY/auth/big:1" >/dev/null
    skopeo copy -q --dest-tls-verify=false --dest-creds "alice:$PW" "docker-archive:$WORK/seed.tar" "docker://$REGISTRY/auth/big:1"
    make_cred_helper
    b64=$(printf 'alice:%s' "$PW" | base64 -w0)
    # every process's argv, read over and over from before the pull starts until it ends
    cat > "$WORK/sample.py" <<'PY'
import glob, os, sys
stop, ready, secrets = sys.argv[1], sys.argv[2], [s.encode() for s in sys.argv[3:]]
samples = seen = helper = 0
while not os.path.exists(stop):
    samples += 1
    for f in glob.glob("/proc/[0-9]*/cmdline"):
        if f == "/proc/%d/cmdline" % os.getpid():
            continue
        try:
            argv = open(f, "rb").read()
        except OSError:
            continue
        if any(s in argv for s in secrets):
            seen += 1
            print("password in the argv of", f, argv.replace(b"\0", b" ").decode(errors="replace"))
        if b"docker-credential-hivetest" in argv:
            helper += 1
    if samples == 1:
        open(ready, "w").close()
print("samples=%d seen=%d helper=%d" % (samples, seen, helper))
PY
    python3 "$WORK/sample.py" "$WORK/stop" "$WORK/ready" "$PW" "$b64" > "$WORK/sample.out" &
    sampler=$!
    for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.05; done
    PATH=$WORK/bin:$PATH "$HIVE" --log-level debug pull "$REGISTRY/auth/big:1" > "$WORK/pull.out" 2>&1 ||
        { touch "$WORK/stop"; cat "$WORK/pull.out"; return 1; }
    touch "$WORK/stop"
    wait "$sampler"
    output=$(cat "$WORK/sample.out")
    [[ "$output" == *" seen=0 "* ]] || { echo "$output"; return 1; }
    # the sampling saw the helper run: it would have seen a password in its argv
    [[ "$output" != *"helper=0"* ]] || { echo "never saw the helper run, the sampling proved nothing: $output"; cat "$WORK/pull.out"; return 1; }
    [ -n "$(hive images -q "$REGISTRY/auth/big:1")" ]
    ! grep -q -e "$PW" -e "$b64" "$WORK/pull.out" || { echo "the password is in the debug output"; return 1; }
    run_hive 0 events --until 0s
    [[ "$output" == *pull* ]] || { echo "no pull event: $output"; return 1; }
    ! grep -q -e "$PW" -e "$b64" <<<"$output"
    ! grep -rqs -e "$PW" -e "$b64" "$HIVE_ROOT" --exclude-dir=layers --exclude-dir=blobs
}

# ---- Bearer tokens ---------------------------------------------------------

@test "Bearer: hive logs in, pushes and pulls through a token server, with the repository's scope" {
    token_server_start "alice:$PW"
    registry_start --token
    import_busybox
    id=$(hive images -q --no-trunc busybox)
    hive tag busybox "$REGISTRY/tok/bb:1"
    run_hive 1 push "$REGISTRY/tok/bb:1"
    grep -Eqi 'auth|unauthorized|denied|login' <<<"$output" || { echo "$output"; return 1; }
    login_as alice "$PW"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    run_hive 0 push "$REGISTRY/tok/bb:1"
    digest=$(grep -o 'digest: sha256:[0-9a-f]\{64\}' <<<"$output" | cut -d' ' -f2)
    grep -q '^alice repository:tok/bb:.*push' "$TOKEN_LOG" || { cat "$TOKEN_LOG"; return 1; }
    run skopeo inspect --tls-verify=false --creds "alice:$PW" --format '{{.Digest}}' "docker://$REGISTRY/tok/bb:1"
    [ "$status" -eq 0 ] && [ "$output" = "$digest" ] || { echo "$output (hive printed $digest)"; return 1; }
    hive rmi -f "$id" >/dev/null
    assert_store_empty
    : > "$TOKEN_LOG"
    run_hive 0 pull "$REGISTRY/tok/bb:1"
    [ "$(hive images -q --no-trunc "$REGISTRY/tok/bb:1")" = "$id" ]
    grep -q '^alice repository:tok/bb:pull$' "$TOKEN_LOG" || { cat "$TOKEN_LOG"; return 1; }
}

@test "Bearer: a wrong password at the token server gives a clear auth error (exit 1) and leaves nothing" {
    token_server_start "alice:$PW"
    registry_start --token
    seed_image tok/bb:1 "alice:$PW"
    login_as alice wrong-password
    [ "$status" -eq 1 ] || { echo "$output"; return 1; }
    [[ "$output" == *"$REGISTRY"* ]] || { echo "$output"; return 1; }
    # credentials that were right once and are wrong now (a changed password)
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf 'alice:wrong' | base64 -w0)" > "$HIVE_AUTH_FILE"
    chmod 600 "$HIVE_AUTH_FILE"
    run_hive 1 pull "$REGISTRY/tok/bb:1"
    [[ "$output" == *"$REGISTRY"* ]] || { echo "$output"; return 1; }
    grep -Eqi 'auth|unauthorized|password|login' <<<"$output" || { echo "$output"; return 1; }
    [ "${#lines[@]}" -le 3 ] || { echo "not a short error: $output"; return 1; }
    grep -q '^! ' "$TOKEN_LOG" || { cat "$TOKEN_LOG"; return 1; }
    assert_store_empty
}

# ---- mirrors and aliases ---------------------------------------------------

@test "mirrors: a pull of the origin's name is served by the mirror (the origin lacks the image)" {
    registry_start
    origin=$REGISTRY
    registry_start --accesslog
    mirror=$REGISTRY mirror_log=$REGISTRY_DIR/log
    seed_image mir/bb:1
    mirrors_toml "$origin" "$mirror"
    run_hive 0 pull "$origin/mir/bb:1"
    [ -n "$(hive images -q "$origin/mir/bb:1")" ]
    grep -q 'GET /v2/mir/bb/manifests/1 ' "$mirror_log" || { cat "$mirror_log"; return 1; }
}

@test "mirrors: a mirror that is down falls back to the origin" {
    registry_start
    seed_image mir/bb:1
    dead=127.0.0.1:$(free_port)
    mirrors_toml "$REGISTRY" "$dead"
    run_hive 0 pull "$REGISTRY/mir/bb:1"
    [ -n "$(hive images -q "$REGISTRY/mir/bb:1")" ]
}

@test "mirrors: pushes go to the origin only" {
    registry_start
    origin=$REGISTRY
    registry_start --accesslog
    mirror=$REGISTRY
    mirrors_toml "$origin" "$mirror"
    import_busybox
    hive tag busybox "$origin/only/bb:1"
    run_hive 0 push "$origin/only/bb:1"
    ! grep -q '/v2/only/' "$REGISTRY_DIR/log" || { cat "$REGISTRY_DIR/log"; return 1; }
    run skopeo inspect --tls-verify=false "docker://$origin/only/bb:1"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    run skopeo inspect --tls-verify=false "docker://$mirror/only/bb:1"
    [ "$status" -ne 0 ]
}

@test "aliases: [registries.aliases] maps a short name to a repository that pull uses" {
    registry_start
    seed_image al/bb:latest
    registries_toml <<EOF
[registries.aliases]
myalias = "$REGISTRY/al/bb"
EOF
    run_hive 0 pull myalias
    [[ "$output" == *"$REGISTRY/al/bb"* ]] || { echo "$output"; return 1; }
    [ -n "$(hive images -q "$REGISTRY/al/bb:latest")" ]
}

# ---- proxies ---------------------------------------------------------------

@test "proxies: HTTP_PROXY carries a pull of a registry that is not loopback (plain HTTP only when listed insecure); NO_PROXY bypasses it" {
    # hive, as Docker, never proxies loopback: the registry is named
    # registry.hive-test:PORT, a name only the test's proxy resolves (to 127.0.0.1)
    registry_start
    seed_image px/bb:1
    proxy_start
    name=registry.hive-test:${REGISTRY##*:}
    # not loopback and not insecure: https only, and the registry speaks plain HTTP
    HTTP_PROXY=$PROXY HTTPS_PROXY=$PROXY run_hive 1 pull "$name/px/bb:1"
    assert_store_empty
    grep -q "^CONNECT $name$" "$PROXY_LOG" || { cat "$PROXY_LOG"; return 1; }
    registries_toml <<<"insecure = [\"$name\"]"
    : > "$PROXY_LOG"
    HTTP_PROXY=$PROXY HTTPS_PROXY=$PROXY run_hive 0 pull "$name/px/bb:1"
    [ -n "$(hive images -q "$name/px/bb:1")" ]
    # the requests went through the proxy: forwarded, or tunnelled (AsyncHTTPClient CONNECTs for http:// too)
    grep -Eq "^((GET|HEAD) http://$name/v2/px/bb/manifests/1|CONNECT $name)$" "$PROXY_LOG" || { cat "$PROXY_LOG"; return 1; }
    hive rmi -f $(hive images -aq | sort -u) >/dev/null
    : > "$PROXY_LOG"
    # lower-case forms; NO_PROXY names the host: no request goes to the proxy (and the name does not resolve)
    http_proxy=$PROXY https_proxy=$PROXY no_proxy=.hive-test run_hive 1 pull "$name/px/bb:1"
    [ ! -s "$PROXY_LOG" ] || { cat "$PROXY_LOG"; return 1; }
    assert_store_empty
}
