// HostProcess.run: what hooks' hive.exec and the registry's credential
// helpers use to run a helper to completion.
import HivePlatform
import Testing

@Suite struct HostProcessRunTests {
    let env = ["PATH=/usr/bin:/bin"]

    @Test func passesInputAndCapturesBothStreams() throws {
        let r = try HostProcess.run(["/bin/sh", "-c", "cat; echo err >&2; exit 3"], environment: env,
                                    stdin: Array("https://127.0.0.1:5000\n".utf8), timeoutNanos: 5_000_000_000, what: "test")
        #expect(r.status == 3)
        #expect(r.stdout == "https://127.0.0.1:5000\n")
        #expect(r.stderr == "err\n")
    }

    @Test func noInputIsDevNull() throws {
        let r = try HostProcess.run(["/bin/cat"], environment: env, timeoutNanos: 5_000_000_000, what: "test")
        #expect(r.status == 0 && r.stdout.isEmpty)
    }

    @Test func theEnvironmentIsOnlyWhatIsGiven() throws {
        let r = try HostProcess.run(["/usr/bin/env"], environment: ["A=1"], timeoutNanos: 5_000_000_000, what: "test")
        #expect(r.stdout == "A=1\n")
    }

    @Test func aSlowHelperIsKilledAtTheDeadline() {
        #expect(throws: HiveError.self) {
            try HostProcess.run(["/bin/sleep", "5"], environment: env, timeoutNanos: 100_000_000, what: "helper")
        }
        do {
            _ = try HostProcess.run(["/bin/sleep", "5"], environment: env, timeoutNanos: 100_000_000, what: "helper")
        } catch {
            #expect(error.description == "helper: /bin/sleep did not finish within 100 ms and was killed")
        }
    }

    @Test func aMissingProgramIsAClearError() {
        do {
            _ = try HostProcess.run(["/nonexistent/helper"], environment: env, timeoutNanos: 1_000_000_000, what: "helper")
            Issue.record("ran a missing program")
        } catch {
            #expect(error.description.hasPrefix("helper: cannot run /nonexistent/helper"))
        }
    }
}
