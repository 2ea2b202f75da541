// swift-tools-version: 6.0
// hive's fuzz targets (libFuzzer, `swiftc -sanitize=fuzzer`): a separate
// package so `swift build` / `swift build --build-tests` of hive never
// compile them. Built and run by `make fuzz` (Fuzz/run.sh); each executable
// is one libFuzzer target over one reader of untrusted input.
import PackageDescription

// A path dependency's identity is its directory's name, and the checkout may
// be called anything (even "fuzz", like this package): hive-src is a symlink to ..
let hive = "hive-src"

// libFuzzer supplies main(): the targets are libraries of top-level declarations.
let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func target(_ name: String, _ deps: [Target.Dependency] = []) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "HiveFuzzable", package: hive)] + deps,
                      swiftSettings: fuzzFlags)
}

let package = Package(
    name: "hive-fuzz",
    dependencies: [.package(path: "hive-src")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "HiveFuzzable", package: hive)]),
        target("fuzz-json"),
        target("fuzz-reference"),
        target("fuzz-dockerfile"),
        target("fuzz-shell"),
        target("fuzz-toml"),
        target("fuzz-template"),
        target("fuzz-tar"),
        target("fuzz-load"),
    ],
    swiftLanguageModes: [.v5]
)
