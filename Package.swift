// swift-tools-version: 6.0
// hive: a daemonless container engine. Module layout: ../shared/DESIGN.md "Layout of the code".
import PackageDescription

let libDir = "/usr/lib/x86_64-linux-gnu"
// The C libraries are linked statically: the dynamic ones (libarchive pulls
// libxml2 and ICU, libcrypto is large) cost ~4 ms of symbol binding at every
// start; the linker keeps only the objects hive uses. Each C target links its
// own library, so a module that does not need one does not carry it.
func staticLink(_ libs: String...) -> [String] { libs.flatMap { ["-Xlinker", libDir + "/lib" + $0 + ".a"] } }
func dynamicLink(_ libs: String...) -> [String] { libs.flatMap { ["-Xlinker", "-l" + $0] } }
// Debug links keep libarchive's xar/zip objects (no section GC), which need these.
let archiveDebugOnly = dynamicLink("xml2", "acl", "nettle")

let package = Package(
    name: "hive",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hive", targets: ["hive"]),
        .executable(name: "hive-monitor", targets: ["hive-monitor"]),
        .executable(name: "hive-init", targets: ["hive-init"]),
        // For the fuzz package under Fuzz/ (a separate SwiftPM package that
        // depends on this one by path): products only, nothing more is compiled.
        .library(name: "HiveFuzzable", targets: ["HivePlatform", "HiveOCI", "HiveArchive", "HiveBuild", "HiveHooks", "HiveCLI"]),
    ],
    dependencies: [
        // The registry client's HTTP (issue #12): HTTP/1.1 and 2, TLS (BoringSSL,
        // linked statically), proxies, redirects; no Foundation on Linux.
        // Measured: a static hive with it still starts in ~0.9 ms.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Its own dependencies, named for the client's TLS, event loop and header types.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CLua", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSeccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // Small C for what Swift cannot import (STYLE.md 5), one target per concern.
        // The bottom: system calls Swift cannot see, SHA-256 (libcrypto).
        .target(name: "CHivePlatform", cSettings: [.define("_GNU_SOURCE")],
                linkerSettings: [.unsafeFlags(staticLink("crypto"))]),
        // libarchive: the hashing/decompressing byte source, tar-split, cast macros;
        // libdeflate: push's block-parallel gzip.
        .target(name: "CHiveTar", dependencies: ["CArchive", "CHivePlatform"], cSettings: [.define("_GNU_SOURCE")],
                linkerSettings: [.unsafeFlags(staticLink("archive", "deflate") + dynamicLink("z", "bz2", "lzma", "zstd", "lz4")),
                                 .unsafeFlags(archiveDebugOnly, .when(configuration: .debug))]),
        // The state database's write-ahead log.
        .target(name: "CHiveSQLite", dependencies: ["CSQLite"], linkerSettings: [.unsafeFlags(staticLink("sqlite3") + dynamicLink("m"))]),
        // The runtime's kernel side: seccomp/cap names, capget, the cgroup2 device program.
        .target(name: "CHiveKernel", dependencies: ["CSeccomp", "CCap"], cSettings: [.define("_GNU_SOURCE")],
                linkerSettings: [.unsafeFlags(staticLink("seccomp", "cap"))]),
        // The clone-to-exec launcher, plan files and the json-file log writer:
        // plain C shared by the CLI and the monitor; libdeflate gzips rotated logs.
        .target(name: "CHiveLaunch", cSettings: [.define("_GNU_SOURCE")], linkerSettings: [.unsafeFlags(staticLink("deflate"))]),
        // The network's kernel side (issue #13): rtnetlink (links, veth, bridge,
        // addresses, routes), network namespaces, nftables over nfnetlink. Plain
        // C over netlink sockets, no libraries: hive is one static binary.
        .target(name: "CHiveNet", cSettings: [.define("_GNU_SOURCE")]),
        // The Lua side of the hook engine: every Lua API call lives here (STYLE.md 7).
        .target(name: "CHiveLua", dependencies: ["CLua"], linkerSettings: [.unsafeFlags(staticLink("lua5.4") + dynamicLink("m"))]),
        // The bottom of the Swift side: files by fd, processes, clocks, profiling,
        // the error type, JSON and TOML, hive.toml.
        .target(name: "HivePlatform", dependencies: ["CHivePlatform"]),
        // OCI and Docker spec types as pure values.
        .target(name: "HiveOCI", dependencies: ["HivePlatform"]),
        .target(name: "HiveArchive", dependencies: ["CArchive", "CHiveTar", "CHivePlatform", "HivePlatform", "HiveOCI"]),
        .target(name: "HiveStore", dependencies: ["CSQLite", "CHiveSQLite", "HivePlatform", "HiveOCI", "HiveArchive"]),
        .target(name: "HiveRuntime", dependencies: ["HivePlatform", "HiveOCI", "HiveArchive", "CHiveKernel", "CHiveLaunch", "CSeccomp"]),
        .target(name: "HiveHooks", dependencies: ["CHiveLua", "HivePlatform", "HiveOCI"]),
        // Bridge and user networks: addresses, IPAM and endpoints in the state
        // database, netlink, nftables rules, published ports, hosts files.
        .target(name: "HiveNetwork", dependencies: ["HivePlatform", "HiveOCI", "HiveStore", "CHiveNet"]),
        .target(name: "HiveBuild", dependencies: ["HivePlatform", "HiveOCI", "HiveArchive", "HiveStore"]),
        // The OCI distribution client: settings, credentials, HTTP, pull into the store's ingest, push.
        .target(name: "HiveRegistry", dependencies: ["HivePlatform", "HiveOCI", "HiveArchive", "HiveStore",
                                                     .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOPosix", package: "swift-nio"),
                                                     .product(name: "NIOHTTP1", package: "swift-nio"),
                                                     .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        .target(name: "HiveEngine", dependencies: ["HivePlatform", "HiveStore", "HiveOCI", "HiveArchive", "HiveRuntime", "HiveHooks", "HiveBuild",
                                                   "HiveRegistry", "HiveNetwork"]),
        // The Docker Engine API on a Unix socket (issue #17): SwiftNIO's HTTP/1.1
        // server, every request through the engine as the CLI's verbs go.
        .target(name: "HiveAPI", dependencies: ["HiveEngine", "HivePlatform", "HiveRuntime", "HiveStore", "HiveOCI", "HiveNetwork", "HiveRegistry", "HiveBuild",
                                                .product(name: "NIOCore", package: "swift-nio"),
                                                .product(name: "NIOPosix", package: "swift-nio"),
                                                .product(name: "NIOHTTP1", package: "swift-nio"),
                                                .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        // Imports no C: versions, the database checkpoint and malloc tuning come through their modules.
        .target(name: "HiveCLI", dependencies: ["HiveAPI", "HiveEngine", "HiveBuild", "HiveHooks", "HiveRuntime", "HiveStore", "HivePlatform", "HiveOCI", "HiveRegistry", "HiveNetwork"]),
        .executableTarget(name: "hive", dependencies: ["HiveCLI"]),
        // The per-container monitor: C only, ~1 MB RSS (DESIGN.md "detach").
        .executableTarget(name: "hive-monitor", dependencies: ["CHiveLaunch"],
                          linkerSettings: [.unsafeFlags(["-Xlinker", "--as-needed"])]),
        // `run --init`'s init, bind-mounted into containers: C only, static so
        // any image can run it (the Makefile rebuilds it with cc, smaller).
        .executableTarget(name: "hive-init", linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .testTarget(name: "HivePlatformTests", dependencies: ["HivePlatform", "CHivePlatform"]),
        .testTarget(name: "HiveOCITests", dependencies: ["HiveOCI", "HivePlatform"]),
        .testTarget(name: "HiveArchiveTests", dependencies: ["HiveArchive", "HiveOCI", "HivePlatform", "CHiveTar", "CHivePlatform"]),
        .testTarget(name: "HiveRuntimeTests", dependencies: ["HiveRuntime", "HiveArchive", "HiveOCI", "HivePlatform", "CHiveLaunch"]),
        .testTarget(name: "HiveStoreTests", dependencies: ["HiveStore", "HiveOCI", "HivePlatform", "HiveArchive"]),
        .testTarget(name: "HiveBuildTests", dependencies: ["HiveBuild", "HiveOCI", "HivePlatform", "HiveStore"]),
        .testTarget(name: "HiveHooksTests", dependencies: ["HiveHooks", "HiveOCI", "HivePlatform", "HiveArchive"]),
        .testTarget(name: "HiveRegistryTests", dependencies: ["HiveRegistry", "HiveStore", "HiveOCI", "HivePlatform"]),
        .testTarget(name: "HiveNetworkTests", dependencies: ["HiveNetwork", "HiveStore", "HivePlatform", "CHiveNet"]),
        .testTarget(name: "HiveCLITests", dependencies: ["HiveCLI", "HiveAPI", "HiveEngine", "HiveBuild", "HiveRuntime", "HiveOCI", "HivePlatform", "HiveNetwork"]),
    ],
    swiftLanguageModes: [.v5]
)
