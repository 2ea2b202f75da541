// `hive cp` enters a running container's mount namespace through a pidfd on
// its init, checked against the recorded start time after it is opened: a
// pid recycled between the record's check and the copy (here: a host process
// standing for it) is refused, never entered. Needs root (setns).
import HivePlatform
import Glibc
import HiveEngine
import HiveRuntime
import Testing

@Suite struct CopyPidTests {
    @Test func aPidWhoseStartTimeDiffersIsNeverEntered() throws {
        guard geteuid() == 0 else {
            print("skipped: entering a mount namespace needs root")
            return
        }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sleep"), strdup("30"), nil]
        defer { for a in argv { free(a) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let start = try #require(ProcStat.startTime(pid))
        var template = Array("/tmp/hive-cp-pid.XXXXXX".utf8CString)
        let dir = String(cString: mkdtemp(&template)!)
        defer { unlink(dir + "/src"); unlink(dir + "/out"); unlink(dir + "/out2"); rmdir(dir) }
        let f = open(dir + "/src", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        _ = write(f, "HOST", 4)
        close(f)
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(dfd) }
        // the record's start time is not this process's: refused before anything is entered
        #expect {
            try Launcher.copy(running: pid, start: start + 1, overlayData: "", rootfs: "", containerPath: dir + "/src",
                              hostFD: dfd, hostName: "out", toContainer: false)
        } throws: { "\($0)".contains("is gone") }
        #expect(access(dir + "/out", F_OK) != 0)
        // the process it names (its namespace is the host's here) is entered
        try Launcher.copy(running: pid, start: start, overlayData: "", rootfs: "", containerPath: dir + "/src",
                          hostFD: dfd, hostName: "out2", toContainer: false)
        #expect(access(dir + "/out2", F_OK) == 0)
    }
}
