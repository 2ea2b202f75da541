#!/usr/bin/env bats
# hive login / logout (issue #12) against Debian's docker-registry with
# htpasswd (bcrypt) on 127.0.0.1: credentials checked before anything is
# saved, hive's auth file 0600 in a 0700 directory, --password-stdin,
# --authfile, Docker's credential helpers, logout; exit status 1 on failure.
load helpers
load registry

setup() {
    export HIVE_ROOT=$(mktemp -d /tmp/hive-test.XXXXXX)
    export HIVE_RUNROOT=$(mktemp -d /tmp/hive-run.XXXXXX)
    WORK=$(mktemp -d /tmp/hive-work.XXXXXX)
    CONF=$(mktemp -d /tmp/hive-conf.XXXXXX)
    : > "$CONF/hive.toml"
    export HIVE_CONFIG=$CONF/hive.toml HIVE_HOOKS_DIR=$CONF/hooks.d
    # no credentials of this machine's user are read or written
    export HOME=$WORK/home
    mkdir -p "$HOME"
    unset DOCKER_CONFIG HIVE_AUTH_FILE XDG_CONFIG_HOME
    AUTH=$HOME/.config/hive/auth.json
}

@test "login: a wrong password fails with exit 1 and saves nothing" {
    registry_start --htpasswd alice:right-pass
    run_hive 1 login -u alice -p wrong-pass "$REGISTRY"
    [[ "$output" == *"login to $REGISTRY failed"* ]]
    [[ "$output" != *"wrong-pass"* ]]
    [ ! -e "$AUTH" ]
    [ ! -e "$HOME/.config/hive" ]
}

@test "login: the right password is saved 0600 in a 0700 directory; logout removes it" {
    registry_start --htpasswd alice:right-pass
    run -0 --separate-stderr "$HIVE" login -u alice -p right-pass "$REGISTRY"
    [ "$stderr" = "WARNING! Using --password via the CLI is insecure. Use --password-stdin." ]
    [ "$output" = "Login Succeeded" ]
    [ "$(stat -c %a "$AUTH")" = 600 ]
    [ "$(stat -c %a "$HOME/.config/hive")" = 700 ]
    python3 - "$AUTH" "$REGISTRY" <<'PY'
import base64, json, sys
auths = json.load(open(sys.argv[1]))["auths"]
assert base64.b64decode(auths[sys.argv[2]]["auth"]) == b"alice:right-pass", auths
PY
    run_hive 0 logout "$REGISTRY"
    [ "$output" = "Removed login credentials for $REGISTRY" ]
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["auths"]; assert sys.argv[2] not in a, a' "$AUTH" "$REGISTRY"
    run_hive 0 logout "$REGISTRY"
    [ "$output" = "Not logged in to $REGISTRY" ]
}

@test "login --password-stdin --authfile: no warning, written where asked, other entries kept" {
    registry_start --htpasswd bob:stdin-pass
    local f=$WORK/chosen/auth.json
    mkdir -p "$WORK/chosen"
    echo '{"auths": {"other.example": {"auth": "eDp5"}}, "keep": true}' > "$f"
    run -0 --separate-stderr "$HIVE" login -u bob --password-stdin --authfile "$f" "http://$REGISTRY/v2/" <<< "stdin-pass"
    [ "$output" = "Login Succeeded" ]
    [ -z "$stderr" ]
    [ "$(stat -c %a "$f")" = 600 ]
    python3 - "$f" "$REGISTRY" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
assert d["keep"] is True and d["auths"]["other.example"]["auth"] == "eDp5", d
assert base64.b64decode(d["auths"][sys.argv[2]]["auth"]) == b"bob:stdin-pass", d
PY
    [ ! -e "$AUTH" ]
    # $HIVE_AUTH_FILE chooses the file too
    HIVE_AUTH_FILE=$f run_hive 0 logout "$REGISTRY"
    [ "$output" = "Removed login credentials for $REGISTRY" ]
    # a CRLF line from a Windows editor is the same password
    printf 'stdin-pass\r\n' | "$HIVE" login -u bob --password-stdin "$REGISTRY"
    grep -q "$REGISTRY" "$AUTH"
}

@test "login: refused flag combinations and inputs exit 1 with a clear error" {
    run_hive 1 login -u a -p b --password-stdin 127.0.0.1:1
    [[ "$output" == *"--password and --password-stdin are mutually exclusive"* ]]
    run_hive 1 login --password-stdin 127.0.0.1:1 <<< "x"
    [[ "$output" == *"--password-stdin needs --username"* ]]
    run_hive 1 login -u a 127.0.0.1:1 < /dev/null
    [[ "$output" == *"stdin is not a terminal"* ]]
    run_hive 1 login -u a --password-stdin 127.0.0.1:1 < /dev/null
    [[ "$output" == *"a password is required"* ]]
    run_hive 1 login -u a -p b "no such host"
    [[ "$output" == *'invalid registry "no such host"'* ]]
    run_hive 1 logout "bad name:5000"
    [[ "$output" == *"invalid registry"* ]]
    [ ! -e "$HOME/.config" ]
}

@test "login: an unreachable registry fails with exit 1 and saves nothing" {
    local port; port=$(free_port)
    run_hive 1 login -u a -p b "127.0.0.1:$port"
    [[ "$output" == *"login to 127.0.0.1:$port failed"* ]]
    [ ! -e "$AUTH" ]
}

@test "login: a corrupt auth file is named and left as it was" {
    registry_start --htpasswd alice:right-pass
    mkdir -p "$(dirname "$AUTH")"
    echo '{"auths": ' > "$AUTH"
    run_hive 1 login -u alice -p right-pass "$REGISTRY"
    [[ "$output" == *"the auth file $AUTH is not a JSON object"* ]]
    [ "$(cat "$AUTH")" = '{"auths": ' ]
    run_hive 1 logout "$REGISTRY"
    [[ "$output" == *"$AUTH"* ]]
}

@test "login: a bad [registries] key in hive.toml is named" {
    printf '[registries]\nmirrorz = []\n' > "$CONF/hive.toml"
    run_hive 1 login -u a -p b 127.0.0.1:1
    [[ "$output" == *"unknown key registries.mirrorz"* ]]
    [[ "$output" != *"login to"* ]]
}

@test "login and logout go through Docker's credential helper; the password never in its argv" {
    registry_start --htpasswd carol:helper-pass
    mkdir -p "$WORK/bin" "$HOME/.docker" "$WORK/kept"
    cat > "$WORK/bin/docker-credential-hivetest" <<EOF2
#!/bin/sh
echo "\$@" >> $WORK/helper-argv
case \$1 in
    store) cat > $WORK/kept/entry ;;
    get) cat > /dev/null; [ -f $WORK/kept/entry ] && cat $WORK/kept/entry || { echo "credentials not found in native keychain"; exit 1; } ;;
    erase) cat > /dev/null; [ -f $WORK/kept/entry ] || { echo "credentials not found in native keychain"; exit 1; }; rm $WORK/kept/entry ;;
esac
EOF2
    chmod +x "$WORK/bin/docker-credential-hivetest"
    echo "{\"credHelpers\": {\"$REGISTRY\": \"hivetest\"}}" > "$HOME/.docker/config.json"
    PATH=$WORK/bin:$PATH run_hive 0 login -u carol --password-stdin "$REGISTRY" <<< "helper-pass"
    [[ "$output" == *"Login Succeeded"* ]]
    grep -q '"Secret":"helper-pass"' "$WORK/kept/entry"
    grep -q '"ServerURL":"'"$REGISTRY"'"' "$WORK/kept/entry"
    ! grep -q helper-pass "$WORK/helper-argv"
    [ ! -e "$AUTH" ]
    PATH=$WORK/bin:$PATH run_hive 0 logout "$REGISTRY"
    [ "$output" = "Removed login credentials for $REGISTRY" ]
    [ ! -e "$WORK/kept/entry" ]
    # the helper missing from PATH: named
    run_hive 1 login -u carol -p helper-pass "$REGISTRY"
    [[ "$output" == *"docker-credential-hivetest"*"not in PATH"* ]]
}

@test "logout: credentials only in Docker's config.json are left to docker logout" {
    mkdir -p "$HOME/.docker"
    echo '{"auths": {"r.example": {"auth": "dTpw"}}}' > "$HOME/.docker/config.json"
    run_hive 0 logout r.example
    [[ "$output" == *"Not logged in to r.example with hive"*"docker logout r.example"* ]]
    grep -q dTpw "$HOME/.docker/config.json"
}

@test "login on a terminal asks for the user and the password, and does not echo the password" {
    registry_start --htpasswd erin:tty-secret
    cat > "$WORK/login-tty.py" <<'PY'
import os, pty, select, sys, time
# login-tty.py HIVE SERVER USER PASS: hive login on a pseudo-terminal, answering its prompts; prints what the terminal showed
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "login", sys.argv[2]])
out = b""
def until(*words, t=20):
    global out
    end = time.time() + t
    while not any(w in out for w in words) and time.time() < end:
        if not select.select([fd], [], [], max(0, end - time.time()))[0]: break
        try: out += os.read(fd, 1024)
        except OSError: break
until(b"Username: "); os.write(fd, sys.argv[3].encode() + b"\n")
until(b"Password: "); os.write(fd, sys.argv[4].encode() + b"\n")
until(b"Succeeded", b"failed")
until(b"\n", t=2)
for _ in range(100):
    done, st = os.waitpid(pid, os.WNOHANG)
    if done: break
    time.sleep(0.1)
else:
    os.kill(pid, 9); _, st = os.waitpid(pid, 0)  # stuck waiting for input: a failure, not a hang
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(st))
PY
    run -0 python3 "$WORK/login-tty.py" "$HIVE" "$REGISTRY" erin tty-secret
    [[ "$output" == *"Username: erin"* ]]
    [[ "$output" == *"Login Succeeded"* ]]
    [[ "$output" != *"tty-secret"* ]]
    python3 -c 'import base64,json,sys; a=json.load(open(sys.argv[1]))["auths"][sys.argv[2]]; assert base64.b64decode(a["auth"]) == b"erin:tty-secret", a' "$AUTH" "$REGISTRY"
    # a wrong one on the terminal: exit 1, nothing saved
    run -1 python3 "$WORK/login-tty.py" "$HIVE" "$REGISTRY" erin wrong
    [[ "$output" == *"login to $REGISTRY failed"* ]]
}

@test "a pull authenticates with what login saved, with Docker's config.json, and not after logout" {
    registry_start --htpasswd frank:pull-pass
    (
        export HIVE_ROOT=$WORK/seed HIVE_RUNROOT=$WORK/seed-run
        import_busybox
        "$HIVE" save busybox -o "$WORK/busybox.tar"
    )
    skopeo copy --insecure-policy --quiet --dest-tls-verify=false --dest-creds frank:pull-pass \
        "docker-archive:$WORK/busybox.tar" "docker://$REGISTRY/team/busybox:1" >/dev/null
    run_hive 1 pull -q "$REGISTRY/team/busybox:1"
    [[ "$output" == *"requires a login"* ]]
    [ -z "$(hive images -q)" ]
    run_hive 0 login -u frank --password-stdin "$REGISTRY" <<< "pull-pass"
    run_hive 0 pull -q "$REGISTRY/team/busybox:1"
    [ -n "$(hive images -q "$REGISTRY/team/busybox:1")" ]
    run_hive 0 logout "$REGISTRY"
    hive rmi "$REGISTRY/team/busybox:1" >/dev/null
    run_hive 1 pull -q "$REGISTRY/team/busybox:1"
    [[ "$output" == *"requires a login"* ]]
    # a user who ran `docker login` is logged in already
    mkdir -p "$HOME/.docker"
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf frank:pull-pass | base64)" > "$HOME/.docker/config.json"
    run_hive 0 pull -q "$REGISTRY/team/busybox:1"
    ! grep -q "$REGISTRY" "$AUTH"
}
