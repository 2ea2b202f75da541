// hive.exec for hooks in root-owned system directories: argv only (no shell,
// no PATH search), stdin from /dev/null, output captured (1 MiB each), and a
// timeout after which the command is killed (HostProcess.run).
import HivePlatform

enum HookExec {
    static func run(_ argv: [String], timeoutNanos: Int64) throws(HiveError) -> HostProcess.RunResult {
        try HostProcess.run(argv, environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                            timeoutNanos: timeoutNanos, what: "hive.exec")
    }
}
