// `hive stats`, `pause`: a container's cgroups as its launch recorded them
// (the `cgroups` file in its directory, one group directory per line), and
// what they hold now.
import HivePlatform

extension Cgroups {
    /// The group directories recorded in `containerDir`/cgroups (none if it has no file).
    public static func recorded(containerDir: String) -> [String] {
        Files.read(containerDir + "/cgroups").map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
    }

    /// Memory in use, its limit and the number of pids of the container in
    /// `containerDir` (nil where no group reports it).
    public static func stats(containerDir: String) -> (memory: Int64?, limit: Int64?, pids: Int64?) {
        usage(recorded(containerDir: containerDir))
    }
}
