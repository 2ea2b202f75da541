// The Docker run/create flags hive refuses, and why (docs/docker-compat.md
// reads it). A stand-in until the run-flags work of issue #15 adds
// Container/RunRefusals.swift with this shape (flag spelled `--name`): when
// it lands, delete this file.
enum RunRefusals {
    static let table: [(flag: String, reason: String)] = [
        ("--gpus", "hive has no GPU runtime hook; pass the device nodes with --device"),
    ]
}
