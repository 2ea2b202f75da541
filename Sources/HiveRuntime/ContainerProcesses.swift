// `hive top`: a container's processes, found from its init through the
// kernel's children lists (/proc/PID/task/PID/children), each with its
// owner and command line.
import Glibc
import HivePlatform

public struct ContainerProcess: Equatable, Sendable {
    /// The owner's uid on the host ("?" if the process is gone).
    public var uid: String
    /// The pid on the host.
    public var pid: Int32
    /// The command line, arguments separated by spaces.
    public var command: String

    public init(uid: String, pid: Int32, command: String) {
        self.uid = uid
        self.pid = pid
        self.command = command
    }
}

public enum ContainerProcesses {
    /// `initPid` and its descendants, breadth first. `proc`: where procfs is.
    public static func pids(from initPid: Int32, proc: String = "/proc") -> [Int32] {
        var pids: [Int32] = [initPid]
        var i = 0
        while i < pids.count {
            if let bytes = Files.read("\(proc)/\(pids[i])/task/\(pids[i])/children") {
                pids += String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int32($0.trimmed) }
            }
            i += 1
        }
        return pids
    }

    /// The processes of the container whose init is `initPid`, init first.
    public static func list(from initPid: Int32, proc: String = "/proc") -> [ContainerProcess] {
        pids(from: initPid, proc: proc).map { p in
            let cmd = Files.read("\(proc)/\(p)/cmdline").map { String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmed } ?? ""
            var st = stat()
            let uid = stat("\(proc)/\(p)", &st) == 0 ? String(st.st_uid) : "?"
            return ContainerProcess(uid: uid, pid: p, command: cmd)
        }
    }
}
