#!/usr/bin/env bats
# The command line itself: help, version, global options, usage errors.
load helpers

@test "hive --help lists the verbs and global options" {
    run_hive 0 --help
    [[ "$output" == *"Usage:  hive [OPTIONS] COMMAND"* ]]
    for verb in images import load save tag rmi history inspect version; do
        [[ "$output" == *"  $verb "* ]] || { echo "missing $verb"; return 1; }
    done
    [[ "$output" == *"--root"* ]]
    [[ "$output" == *"--runroot"* ]]
    [[ "$output" == *"--log-level"* ]]
}

@test "hive COMMAND --help shows usage, aliases and options" {
    run_hive 0 images --help
    [[ "$output" == *"Usage:  hive images [OPTIONS] [REPOSITORY[:TAG]]"* ]]
    [[ "$output" == *"hive image ls"* ]]
    [[ "$output" == *"-q, --quiet"* ]]
    run_hive 0 image
    [[ "$output" == *"prune"* ]]
    run_hive 0 help rmi
    [[ "$output" == *"Remove one or more images"* ]]
}

@test "hive version" {
    run_hive 0 version
    [[ "$output" == *"Version:"* ]]
    run_hive 0 version --format '{{.Os}}/{{.Arch}}'
    [[ "$output" == linux/* ]]
}

@test "unknown verbs and flags fail with 125 and a hint" {
    run_hive 125 frobnicate
    [[ "$output" == *'unknown command "frobnicate"'* ]]
    run_hive 125 images --bogus
    [[ "$output" == *"unknown flag: --bogus"* ]]
    [[ "$output" == *"hive images --help"* ]]
    run_hive 125 tag onlyone
    [[ "$output" == *"requires exactly 2 arguments"* ]]
    run_hive 125 --log-level shouty images
    [[ "$output" == *"invalid --log-level"* ]]
}

@test "--root and HIVE_ROOT select the store; global options go anywhere" {
    other=$(mktemp -d)
    import_busybox
    run_hive 0 --root "$other" images -q
    [ -z "$output" ]
    run_hive 0 images --root "$other" -q
    [ -z "$output" ]
    run_hive 0 images -q
    [ -n "$output" ]
    HIVE_ROOT=$other run_hive 0 images -q
    [ -z "$output" ]
    run_hive 125 --root relative/path images
    [[ "$output" == *"absolute path"* ]]
    rm -rf "$other"
}
