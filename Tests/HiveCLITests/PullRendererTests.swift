// How a pull's layer lines look: Docker's 50-column bar and sizes on a
// terminal, plain words otherwise.
import Testing
@testable import HiveCLI
import HiveRegistry

@Suite struct PullRendererTests {
    @Test func barAsDockerDrawsIt() {
        #expect(PullRenderer.bar(0, 100) == "[>" + String(repeating: " ", count: 49) + "]")
        #expect(PullRenderer.bar(50, 100) == "[" + String(repeating: "=", count: 25) + ">" + String(repeating: " ", count: 24) + "]")
        #expect(PullRenderer.bar(100, 100) == "[" + String(repeating: "=", count: 50) + "]")
        #expect(PullRenderer.bar(200, 100) == PullRenderer.bar(100, 100))
    }

    @Test func layerLines() {
        #expect(PullRenderer.line("0123456789ab", .downloading(done: 1_200_000, total: 3_400_000))
            .hasPrefix("0123456789ab: Downloading [=================>"))
        #expect(PullRenderer.line("0123456789ab", .downloading(done: 1_200_000, total: 3_400_000)).hasSuffix("]  1.2MB/3.4MB"))
        #expect(PullRenderer.line("0123456789ab", .complete) == "0123456789ab: Pull complete")
        #expect(PullRenderer.line("0123456789ab", .alreadyExists) == "0123456789ab: Already exists")
    }

    @Test func pullFailsWithDockersStatus() {
        #expect(ImagePull.def.failureStatus == 1)
        #expect(ContainerRun.def.failureStatus == nil)
    }
}
