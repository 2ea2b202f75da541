// Docker's CLI settings that hive honours from Docker's own config.json
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json): `psFormat` and
// `imagesFormat`, the formats `ps` and `images` use without --format.
import Glibc
import HivePlatform
import HiveRegistry

enum DockerCLIConfig {
    /// The config's string at `key`, if the file exists and has one (an unreadable or malformed file counts as none).
    static func format(_ key: String) -> String? {
        var env: [String: String] = [:]
        for k in ["DOCKER_CONFIG", "HOME"] { if let v = getenv(k) { env[k] = String(cString: v) } }
        guard let doc = try? AuthFile.docker(environment: env).read() else { return nil }
        return doc[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }
}
