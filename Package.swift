// swift-tools-version: 6.0
// hive: a daemonless container engine. Module layout: ../shared/DESIGN.md "Layout of the code".
import PackageDescription

let libDir = "/usr/lib/x86_64-linux-gnu"
let staticLibraries: [String] = ["archive", "sqlite3", "lua5.4", "seccomp", "cap", "crypto"]
let dynamicLibraries: [String] = ["z", "bz2", "lzma", "zstd", "lz4", "m"]
var linkFlags: [String] = []
// Debug links keep libarchive's xar/zip objects (no section GC), which need these.
let debugOnlyFlags: [String] = ["xml2", "acl", "nettle"].flatMap { ["-Xlinker", "-l" + $0] }
for lib in staticLibraries { linkFlags += ["-Xlinker", libDir + "/lib" + lib + ".a"] }
for lib in dynamicLibraries { linkFlags += ["-Xlinker", "-l" + lib] }

let package = Package(
    name: "hive",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hive", targets: ["hive"]),
        .executable(name: "hive-monitor", targets: ["hive-monitor"]),
        // For the fuzz package under Fuzz/ (a separate SwiftPM package that
        // depends on this one by path): products only, nothing more is compiled.
        .library(name: "HiveFuzzable", targets: ["HiveOCI", "HiveArchive", "HiveBuild", "HiveHooks", "HiveCLI"]),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CLua", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSeccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // Small C for what Swift cannot import: macros, variadics, _GNU_SOURCE, SHA-256 via libcrypto.
        .target(
            name: "CHiveShims",
            dependencies: ["CArchive", "CSeccomp", "CCap", "CSQLite"],
            cSettings: [.define("_GNU_SOURCE")],
            // The C libraries are linked statically: the dynamic ones (libarchive pulls
            // libxml2 and ICU, libcrypto is large) cost ~4 ms of symbol binding at
            // every start; the linker keeps only the objects hive uses.
            linkerSettings: [.unsafeFlags(linkFlags), .unsafeFlags(debugOnlyFlags, .when(configuration: .debug))]
        ),
        // The clone-to-exec launcher and plan files: plain C, no libraries, shared
        // by the CLI and the monitor.
        .target(name: "CHiveLaunch", dependencies: ["CSeccomp"], cSettings: [.define("_GNU_SOURCE")]),
        // The Lua side of the hook engine: every Lua API call lives here (STYLE.md 7).
        .target(name: "CHiveLua", dependencies: ["CLua", "CHiveShims"]),
        .target(name: "HiveOCI", dependencies: ["CHiveShims"]),
        .target(name: "HiveArchive", dependencies: ["CArchive", "CHiveShims", "HiveOCI"]),
        .target(name: "HiveStore", dependencies: ["CSQLite", "CHiveShims", "HiveOCI", "HiveArchive"]),
        .target(name: "HiveRuntime", dependencies: ["HiveOCI", "HiveArchive", "CHiveShims", "CHiveLaunch", "CSeccomp", "CCap"]),
        .target(name: "HiveHooks", dependencies: ["CHiveLua", "CHiveShims", "HiveOCI"]),
        .target(name: "HiveBuild", dependencies: ["HiveOCI"]),
        .target(name: "HiveEngine", dependencies: ["HiveStore", "HiveOCI", "HiveArchive", "HiveRuntime", "HiveHooks", "HiveBuild", "CHiveLaunch"]),
        .target(name: "HiveCLI", dependencies: ["HiveEngine", "HiveHooks", "HiveOCI", "CHiveShims", "CHiveLua"]),
        .executableTarget(name: "hive", dependencies: ["HiveCLI"]),
        // The per-container monitor: C only, ~1 MB RSS (DESIGN.md "detach").
        .executableTarget(name: "hive-monitor", dependencies: ["CHiveLaunch"],
                          linkerSettings: [.unsafeFlags(["-Xlinker", "--as-needed"])]),
        .testTarget(name: "HiveOCITests", dependencies: ["HiveOCI"]),
        .testTarget(name: "HiveArchiveTests", dependencies: ["HiveArchive", "HiveOCI", "CHiveShims"]),
        .testTarget(name: "HiveStoreTests", dependencies: ["HiveStore", "HiveOCI"]),
        .testTarget(name: "HiveBuildTests", dependencies: ["HiveBuild", "HiveOCI"]),
        .testTarget(name: "HiveHooksTests", dependencies: ["HiveHooks", "HiveOCI", "HiveArchive"]),
        .testTarget(name: "HiveCLITests", dependencies: ["HiveCLI", "HiveEngine", "HiveOCI"]),
    ],
    swiftLanguageModes: [.v5]
)
