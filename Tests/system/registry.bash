# Loopback registries for the registry tests (issue #12): Debian's
# docker-registry (distribution 2.8) on 127.0.0.1 and a free port, with its
# storage under the test's $WORK; stopped by helpers.bash's teardown.
# Load after helpers.bash: `load registry`.

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something listens on 127.0.0.1:$1 (5 s).
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# A CA and a server certificate for 127.0.0.1/localhost under DIR (ca.crt,
# server.crt, server.key); made once per test file.
make_test_ca() {
    local d=$1
    mkdir -p "$d"
    [ -f "$d/server.crt" ] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hive test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
        -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
}

# registry_start [--tls] [--htpasswd USER:PASS] [--token] [--accesslog]:
# starts a registry; sets REGISTRY (127.0.0.1:PORT), REGISTRY_DIR and
# REGISTRY_PID. With --tls the CA is put in a certs.d directory
# ($CONF/certs.d/127.0.0.1:PORT/ca.crt) that hive.toml names (`[registries]
# certs_dirs`). --token: Bearer auth through the token server that
# token_server_start started. --accesslog: one line per request in
# $REGISTRY_DIR/log.
registry_start() {
    local tls="" htpasswd="" token="" accesslog_disabled=true
    while [ $# -gt 0 ]; do
        case $1 in
            --tls) tls=1 ;;
            --htpasswd) htpasswd=$2; shift ;;
            --token) token=1 ;;
            --accesslog) accesslog_disabled=false ;;
        esac
        shift
    done
    local port; port=$(free_port)
    REGISTRY=127.0.0.1:$port
    REGISTRY_DIR=$WORK/registry-$port
    mkdir -p "$REGISTRY_DIR/storage"
    {
        echo "version: 0.1"
        echo "log: {level: error, accesslog: {disabled: $accesslog_disabled}}"
        echo "storage: {filesystem: {rootdirectory: $REGISTRY_DIR/storage}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}"
        echo "http:"
        echo "  addr: $REGISTRY"
        if [ -n "$tls" ]; then
            make_test_ca "$BATS_FILE_TMPDIR/ca"
            echo "  tls: {certificate: $BATS_FILE_TMPDIR/ca/server.crt, key: $BATS_FILE_TMPDIR/ca/server.key}"
        fi
        if [ -n "$htpasswd" ]; then
            htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" > "$REGISTRY_DIR/htpasswd"
            echo "auth: {htpasswd: {realm: hive-test, path: $REGISTRY_DIR/htpasswd}}"
        fi
        if [ -n "$token" ]; then
            echo "auth: {token: {realm: \"$TOKEN_REALM\", service: $TOKEN_SERVICE, issuer: $TOKEN_ISSUER, rootcertbundle: $TOKEN_DIR/cert.pem}}"
        fi
    } > "$REGISTRY_DIR/config.yml"
    if [ -n "$tls" ]; then
        mkdir -p "$CONF/certs.d/$REGISTRY"
        cp "$BATS_FILE_TMPDIR/ca/ca.crt" "$CONF/certs.d/$REGISTRY/ca.crt"
        grep -q '^certs_dirs' "$CONF/hive.toml" 2>/dev/null ||
            printf '[registries]\ncerts_dirs = ["%s"]\n' "$CONF/certs.d" >> "$CONF/hive.toml"
    fi
    docker-registry serve "$REGISTRY_DIR/config.yml" > "$REGISTRY_DIR/log" 2>&1 &
    REGISTRY_PID=$!
    echo $! >> "$WORK/servers.pids"
    wait_port "$port" || { cat "$REGISTRY_DIR/log" >&2; return 1; }
}

# registry_restart: starts the last registry again on its port and storage
# (after registry_stop, or a garbage-collect that wants it stopped).
registry_restart() {
    docker-registry serve "$REGISTRY_DIR/config.yml" >> "$REGISTRY_DIR/log" 2>&1 &
    REGISTRY_PID=$!
    echo $! >> "$WORK/servers.pids"
    wait_port "${REGISTRY##*:}" || { cat "$REGISTRY_DIR/log" >&2; return 1; }
}

# registry_stop PID: stops one server (a registry a test wants gone).
registry_stop() {
    kill "$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
}

# token_server_start USER:PASS: the Bearer token server
# (Tests/fixtures/token-server.py) on 127.0.0.1 and a free port, with a
# signing key and certificate made once per test file. Sets TOKEN_REALM,
# TOKEN_SERVICE, TOKEN_ISSUER, TOKEN_DIR and TOKEN_LOG (one line per token
# request: `USER SCOPES`, `!` for refused credentials, `-` anonymous). Call
# it before `registry_start --token`.
token_server_start() {
    TOKEN_DIR=$BATS_FILE_TMPDIR/token
    mkdir -p "$TOKEN_DIR"
    [ -f "$TOKEN_DIR/cert.pem" ] ||
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hive test token issuer" \
            -keyout "$TOKEN_DIR/key.pem" -out "$TOKEN_DIR/cert.pem" 2>/dev/null
    local port; port=$(free_port)
    TOKEN_SERVICE=hive-test-registry
    TOKEN_ISSUER=hive-test-issuer
    TOKEN_REALM=http://127.0.0.1:$port/token
    TOKEN_LOG=$WORK/token-$port.log
    : > "$TOKEN_LOG"
    printf '%s\n' "$1" > "$WORK/token-users-$port"
    python3 "$REPO/Tests/fixtures/token-server.py" "$port" "$TOKEN_DIR/key.pem" "$TOKEN_DIR/cert.pem" \
        "$TOKEN_SERVICE" "$TOKEN_ISSUER" "$WORK/token-users-$port" "$TOKEN_LOG" > "$WORK/token-$port.err" 2>&1 &
    echo $! >> "$WORK/servers.pids"
    wait_port "$port" || { cat "$WORK/token-$port.err" >&2; return 1; }
}

# Stops every server this test started (helpers.bash's teardown calls it).
servers_stop() {
    [ -f "$WORK/servers.pids" ] || return 0
    kill $(cat "$WORK/servers.pids") 2>/dev/null || true
    for p in $(cat "$WORK/servers.pids"); do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    done
    rm -f "$WORK/servers.pids"
}

# proxy_start: Tests/fixtures/count-proxy.py (forwards http:// requests and
# tunnels CONNECT, to loopback only) on 127.0.0.1 and a free port; sets
# PROXY (http://127.0.0.1:PORT) and PROXY_LOG (one `METHOD TARGET` line per
# request).
proxy_start() {
    local port; port=$(free_port)
    PROXY=http://127.0.0.1:$port
    PROXY_LOG=$WORK/proxy-$port.log
    : > "$PROXY_LOG"
    python3 "$REPO/Tests/fixtures/count-proxy.py" "$port" "$PROXY_LOG" > "$WORK/proxy-$port.err" 2>&1 &
    echo $! >> "$WORK/servers.pids"
    wait_port "$port" || { cat "$WORK/proxy-$port.err" >&2; return 1; }
}
