#!/usr/bin/env bats
# What is generated from the command tables: shell completion (bash driven
# through its completion function, zsh and fish through their own), man
# pages rendered by groff without a warning, --help's examples.
load helpers

# complete WORD...: runs bash's _hive on `hive WORD...` (the last word is the
# one at the cursor) and prints COMPREPLY, one per line.
complete_bash() {
    bash -c 'source <("$HIVE" completion bash)
        COMP_WORDS=("$HIVE" "$@"); COMP_CWORD=$#
        _hive; printf "%s\n" "${COMPREPLY[@]}"' complete "$@"
}

@test "bash: verbs, groups, sub-verbs and flags from the tables" {
    run complete_bash ru
    [ "$status" -eq 0 ]
    [ "$output" = run ]
    run complete_bash i
    [[ "$output" == *images* && "$output" == *image* && "$output" == *import* && "$output" == *inspect* ]]
    run complete_bash network c
    [[ "$output" == *connect* && "$output" == *create* && "$output" != *ls* ]]
    run complete_bash run --rm --ne
    [[ "$output" == *--network* && "$output" == *--network-alias* && "$output" != *--rm* ]]
    # a short flag that takes a value eats the next word: IMAGE is still to come
    run complete_bash run -e A=1 -
    [[ "$output" == *--detach* ]]
    run complete_bash run --log-level x --pull ''
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "always missing never " ]
    run complete_bash --ro
    [ "$output" = --root ]
    run complete_bash completion ''
    [ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "bash zsh fish " ]
    # a verb hive does not have: nothing, and no error
    run complete_bash frobnicate ''
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "bash: container, image, volume and network names from hive" {
    import_busybox
    run_hive 0 create --network none --name web1 busybox true
    run_hive 0 create --network none --name web2 busybox true
    run_hive 0 volume create vol1
    run complete_bash stop ''
    [[ "$output" == *web1* && "$output" == *web2* ]]
    run complete_bash rm -f web2 w
    [[ "$output" == *web1* ]]
    run complete_bash container logs --tail 5 we
    [[ "$output" == *web1* ]]
    run complete_bash run --rm bu
    [ "$output" = busybox:latest ]
    # bash splits busybox:l at the colon: the answer is what replaces the cursor's word
    run complete_bash run busybox : 
    [ "$output" = :latest ]
    run complete_bash run busybox : la
    [ "$output" = latest ]
    run complete_bash rmi -f busybox:latest ''
    [ "$output" = busybox:latest ]
    run complete_bash volume rm ''
    [ "$output" = vol1 ]
    run complete_bash run --network ''
    [[ "$output" == *bridge* ]]
    run complete_bash cp we
    [[ "$output" == *web1:* ]]
    # after IMAGE, run's own flags end: the command's arguments are not offered hive's flags
    run complete_bash run busybox ls -
    [ -z "$output" ]
    # --root on the line lists another store's names
    run complete_bash --root "$WORK/empty" stop ''
    [ -z "$output" ]
    # zsh and fish list them the same way
    command -v zsh >/dev/null && command -v fish >/dev/null || return 0
    "$HIVE" completion zsh > "$WORK/_hive"
    run zsh -c "compdef() { :; }; compadd() { print -r -- compadd \"\$@\"; }
        source $WORK/_hive; words=(\"$HIVE\" stop ''); CURRENT=3; _hive
        words=(\"$HIVE\" cp ''); CURRENT=3; _hive"
    [[ "$output" == *"compadd -- web1 web2"* || "$output" == *"compadd -- web2 web1"* ]]
    [[ "$output" == *"compadd -S : -- web"* ]]
    "$HIVE" completion fish > "$WORK/hive.fish"
    run fish -c "source $WORK/hive.fish; complete -C '$HIVE volume inspect '"
    [ "$output" = vol1 ]
}

@test "zsh and fish: the scripts parse and complete" {
    command -v zsh >/dev/null && command -v fish >/dev/null || skip "zsh or fish not installed (make test-deps)"
    "$HIVE" completion zsh > "$WORK/_hive"
    "$HIVE" completion fish > "$WORK/hive.fish"
    zsh -n "$WORK/_hive"
    fish -n "$WORK/hive.fish"
    run fish -c "source $WORK/hive.fish; complete -C 'hive ru'"
    [[ "$output" == run* ]]
    run fish -c "source $WORK/hive.fish; complete -C 'hive run --rm --netw'"
    [[ "$output" == *--network* && "$output" == *"Connect a container to a network"* ]]
    run fish -c "source $WORK/hive.fish; complete -C 'hive image l'"
    [[ "$output" == *ls* && "$output" == *list* && "$output" == *load* ]]
    run fish -c "source $WORK/hive.fish; complete -C 'hive run --pull '"
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "always missing never " ]
    # zsh: the completion function with compadd and _describe standing in for the widget's
    run zsh -c "compdef() { :; }; compadd() { print -r -- compadd \"\$@\"; }; _describe() { print -r -- \${(P)4}; }
        source $WORK/_hive
        words=(hive network c); CURRENT=3; _hive
        words=(hive run --rm --net); CURRENT=4; _hive
        words=(hive completion ''); CURRENT=3; _hive"
    [[ "$output" == *"compadd -- connect create disconnect inspect list ls prune remove rm"* ]]
    [[ "$output" == *"--network:Connect a container to a network"* ]]
    [[ "$output" == *"compadd -- bash zsh fish"* ]]
}

@test "completion: an unknown shell is refused" {
    run_hive 125 completion powershell
    [[ "$output" == *'no completion for shell "powershell" (use bash, zsh or fish)'* ]]
    run_hive 125 completion
    [[ "$output" == *'requires exactly 1 argument'* ]]
}

@test "man pages: every verb, rendered by groff without a warning" {
    command -v groff >/dev/null || skip "groff not installed"
    run_hive 0 __man "$WORK/man1"
    [ -f "$WORK/man1/hive.1" ]
    [ -f "$WORK/man1/hive-run.1" ]
    [ -f "$WORK/man1/hive-network-create.1" ]
    grep -qx '.so man1/hive-images.1' "$WORK/man1/hive-image-ls.1"
    # one page for each verb hive --help lists
    for v in $("$HIVE" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on {print $1}'); do
        [ -f "$WORK/man1/hive-$v.1" ] || { echo "no page for $v"; return 1; }
    done
    for p in "$WORK"/man1/*.1; do
        grep -q '^\.so ' "$p" && continue
        run groff -man -ww -z -Tutf8 "$p"
        [ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$p: $output"; return 1; }
    done
    MANWIDTH=100 run man -l "$WORK/man1/hive-run.1"
    [[ "$output" == *"hive-run - Create and run a new container from an image"* ]]
    [[ "$output" == *"-d, --detach"* && "$output" == *EXAMPLES* && "$output" == *"hive run --rm -it busybox sh"* ]]
    run man -l "$WORK/man1/hive.1"
    [[ "$output" == *"HIVE_ROOT"* && "$output" == *"hive-volume-create(1)"* ]]
    # internal verbs have no page
    [ ! -e "$WORK/man1/hive-container-cleanup.1" ]
    [ ! -e "$WORK/man1/hive-__man.1" ]
    run_hive 125 __man /nonexistent/dir/man1
    [[ "$output" == *"cannot create the man page directory /nonexistent/dir/man1"* ]]
}

@test "--help: examples after the options" {
    run_hive 0 run --help
    [[ "$output" == *"Examples:"*"hive run --rm -it busybox sh"* ]]
    [[ "$output" == *"Global Options:"*"Examples:"* ]]
    run_hive 0 network create --help
    [[ "$output" == *"hive network create --internal db"* ]]
    # internal verbs stay out of the group's help
    run_hive 0 container --help
    [[ "$output" != *cleanup* && "$output" == *prune* ]]
    run_hive 0 __docs compat "$REPO/Tests/fixtures/docker-cli-28"
    [[ "$output" == *"## run and create flags"* ]]
    run_hive 125 __docs nonsense
    [[ "$output" == *'no document "nonsense"'* ]]
    run_hive 125 __docs compat "$WORK"
    [[ "$output" == *"no docker help captures in $WORK"* ]]
}
