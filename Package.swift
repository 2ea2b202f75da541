// swift-tools-version: 6.0
// hive: a daemonless container engine. Module layout: ../shared/DESIGN.md "Layout of the code".
import PackageDescription

let package = Package(
    name: "hive",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hive", targets: ["hive"]),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Small C for what Swift cannot import: macros, variadics, _GNU_SOURCE, SHA-256 via libcrypto.
        .target(
            name: "CHiveShims",
            dependencies: ["CLua", "CArchive", "CSeccomp", "CCap"],
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(name: "HiveOCI", dependencies: ["CHiveShims"]),
        .target(name: "HiveArchive", dependencies: ["CArchive", "CHiveShims", "HiveOCI"]),
        .target(name: "HiveStore", dependencies: ["CSQLite", "CHiveShims", "HiveOCI", "HiveArchive"]),
        .target(name: "HiveEngine", dependencies: ["HiveStore", "HiveOCI", "HiveArchive", "CLua", "CSeccomp", "CCap"]),
        .target(name: "HiveCLI", dependencies: ["HiveEngine", "HiveOCI", "CHiveShims"]),
        .executableTarget(name: "hive", dependencies: ["HiveCLI"]),
        .testTarget(name: "HiveOCITests", dependencies: ["HiveOCI"]),
        .testTarget(name: "HiveArchiveTests", dependencies: ["HiveArchive", "HiveOCI"]),
        .testTarget(name: "HiveStoreTests", dependencies: ["HiveStore", "HiveOCI"]),
        .testTarget(name: "HiveCLITests", dependencies: ["HiveCLI", "HiveEngine"]),
    ],
    swiftLanguageModes: [.v5]
)
