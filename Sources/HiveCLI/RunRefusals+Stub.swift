// The Docker run/create flags hive refuses, and those it accepts without an
// effect, each with why (docs/docker-compat.md reads them). A stand-in with
// the shape of the run-flags work's Container/RunRefusals.swift (issue #15;
// the flag as Docker names it, long name, no dashes): when that lands,
// delete this file and run `make docs`.
enum RunRefusals {
    static let refused: [(flag: String, reason: String)] = [
        ("gpus", "hive has no GPU runtime hook; pass the device nodes with --device (e.g. --device /dev/nvidia0)"),
    ]

    static let ignored: [(flag: String, reason: String)] = []
}
