// PushView: Docker's words for each layer state, the bar on a terminal only,
// and byte counts that are not a new state (piped output stays one line per change).
import HiveRegistry
import Testing
@testable import HiveCLI

@Suite struct PushViewTests {
    @Test func dockersWordsPerState() {
        #expect(PushView.line("0123456789ab", .preparing, bar: true) == "0123456789ab: Preparing")
        #expect(PushView.line("0123456789ab", .pushed, bar: false) == "0123456789ab: Pushed")
        #expect(PushView.line("0123456789ab", .exists, bar: false) == "0123456789ab: Layer already exists")
        #expect(PushView.line("0123456789ab", .mounted(from: "library/busybox"), bar: false) == "0123456789ab: Mounted from library/busybox")
        #expect(PushView.line("0123456789ab", .pushing(done: 5, total: 10), bar: false) == "0123456789ab: Pushing")
        let tty = PushView.line("0123456789ab", .pushing(done: 1_200_000, total: 2_400_000), bar: true)
        #expect(tty == "0123456789ab: Pushing [" + String(repeating: "=", count: 25) + ">" + String(repeating: " ", count: 24) + "]  1.2MB/2.4MB")
    }

    @Test func moreBytesIsNotANewState() {
        #expect(PushView.sameState(.pushing(done: 1, total: 9), .pushing(done: 5, total: 9)))
        #expect(!PushView.sameState(.pushing(done: 9, total: 9), .pushed))
        #expect(!PushView.sameState(.preparing, .exists))
    }
}
