#!/usr/bin/env bats
# --format templates as Docker's (Go's text/template): ps's .Label method,
# table headers, Docker's unescaping of list formats, Go's errors.
load helpers

@test "ps --format: .Label, variables, printf, table headers, Go's errors" {
    import_busybox
    hive create --network none --name web --label tier=front --label 'a&b=<x>' busybox true >/dev/null
    hive create --network none --name db busybox true >/dev/null
    run_hive 0 ps -a --format '{{.Names}}={{.Label "tier"}}' --filter name=web
    [ "$output" = "web=front" ]
    run_hive 0 ps -a --format '{{.Names}}:{{with .Label "tier"}}{{.}}{{else}}none{{end}}' --filter name=db
    [ "$output" = "db:none" ]
    run_hive 0 ps -a --format 'table {{.Names}}\t{{.Label "tier"}}\t{{printf "%-6s|" .State}}' --filter name=web
    [ "${lines[0]}" = "NAMES     LABEL     STATE |" ]
    [ "${lines[1]}" = "web       front     created|" ]
    run_hive 0 ps -a --format '{{$n := .Names}}{{if eq $n "web" "db"}}{{upper $n}}{{end}}\n{{- /* one line */ -}}' --filter name=web
    [ "$output" = "WEB" ]
    run_hive 0 ps -a --format json --filter name=web
    [[ "$output" == *'"Labels":"a&b=<x>,tier=front"'* ]]
    # inspect -f is Go's template alone: \t stays as written, as in Docker
    run_hive 0 inspect -f '{{.Name}}\t{{index .Config.Labels "tier"}}' web
    [ "$output" = '/web\tfront' ]
    run_hive 125 ps -a --format '{{.Nope}}'
    [[ "$output" == *'template parsing error: template: :1:2: executing "" at <.Nope>: can'"'"'t evaluate field Nope'* ]]
    run_hive 125 ps -a --format '{{if .Names}}x'
    [ "$output" = "hive: template parsing error: template: :1: unexpected EOF" ]
    run_hive 125 ps -a --format '{{.Label "tier" "x"}}'
    [[ "$output" == *"wrong number of args for Label: want 1 got 2"* ]]
}

@test "Docker's config.json psFormat and imagesFormat apply without --format; --format still wins" {
    import_run_base
    hive create --name cfgfmt --network none busybox true >/dev/null
    mkdir -p "$WORK/dockercfg"
    printf '{"auths":{},"psFormat":"table {{.Names}}\\t{{.State}}","imagesFormat":"{{.Repository}}:{{.Tag}}"}\n' > "$WORK/dockercfg/config.json"
    DOCKER_CONFIG=$WORK/dockercfg run_hive 0 ps -a
    [ "${lines[0]}" = "NAMES     STATE" ]
    [ "${lines[1]}" = "cfgfmt    created" ]
    DOCKER_CONFIG=$WORK/dockercfg run_hive 0 images
    [ "$output" = "busybox:latest" ]
    DOCKER_CONFIG=$WORK/dockercfg run_hive 0 ps -a --format '{{.ID}}'
    [ ${#output} -eq 12 ]
    DOCKER_CONFIG=$WORK/dockercfg run_hive 0 ps -aq
    [ ${#output} -eq 12 ]
}
