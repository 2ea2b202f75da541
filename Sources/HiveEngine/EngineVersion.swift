// hive's version and Docker's version object's Server part: one renderer for
// `hive version` and the Engine API's `GET /version`.
import Glibc
import HiveHooks
import HivePlatform
import HiveRuntime

public enum EngineVersion {
    public static let hive = "0.1.0"
    /// The Docker API level whose object shapes the CLI's output follows (Docker 20.10).
    public static let cliAPIVersion = "1.41"
    public static let cliMinAPIVersion = "1.12"

    /// The compiler hive was built with, in Go's place (`swift6.3`).
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        return "swift6.4+"
        #elseif compiler(>=6.3)
        return "swift6.3"
        #elseif compiler(>=6.2)
        return "swift6.2"
        #elseif compiler(>=6.1)
        return "swift6.1"
        #elseif compiler(>=6.0)
        return "swift6.0"
        #else
        return "swift5"
        #endif
    }

    /// Docker's version object of the server: the engine, with the runtime's parts (Lua, libseccomp) as Components.
    public static func server(apiVersion: String, minAPIVersion: String) -> JSONValue {
        let arch = HostPlatform.architecture
        let kernel = HostPlatform.uts.release
        func component(_ name: String, _ version: String, _ details: [String: JSONValue]) -> JSONValue {
            .object(["Name": .string(name), "Version": .string(version), "Details": .object(details)])
        }
        return .object([
            "Platform": .object(["Name": .string("hive")]),
            "Components": .array([
                component("Engine", hive, [
                    "ApiVersion": .string(apiVersion), "Arch": .string(arch), "BuildTime": .string(""), "Experimental": .string("false"),
                    "GitCommit": .string(""), "GoVersion": .string(swiftVersion), "KernelVersion": .string(kernel),
                    "MinAPIVersion": .string(minAPIVersion), "Os": .string("linux"),
                ]),
                component("Lua", Hooks.luaVersion, [:]),
                component("libseccomp", RuntimeInfo.libseccompVersion, [:]),
            ]),
            "Version": .string(hive), "ApiVersion": .string(apiVersion), "MinAPIVersion": .string(minAPIVersion),
            "GitCommit": .string(""), "GoVersion": .string(swiftVersion), "Os": .string("linux"), "Arch": .string(arch),
            "KernelVersion": .string(kernel), "Experimental": .bool(false), "BuildTime": .string(""),
        ])
    }
}
