// The pull's progress states: which moves are new states (a piped pull
// prints one line per state, not per byte) and Docker's words for them.
import Testing
@testable import HiveRegistry

@Suite struct PullProgressTests {
    @Test func moreBytesAreNotANewState() {
        let a = PullLayerPhase.downloading(done: 1, total: 10)
        #expect(!a.isNewState(.downloading(done: 5, total: 10)))
        #expect(PullLayerPhase.pullingFSLayer.isNewState(a))
        #expect(a.isNewState(.extracting))
        #expect(PullLayerPhase.extracting.isNewState(.complete))
        #expect(!PullLayerPhase.complete.isNewState(.complete))
    }

    @Test func dockersWords() {
        #expect(PullLayerPhase.alreadyExists.words == "Already exists")
        #expect(PullLayerPhase.pullingFSLayer.words == "Pulling fs layer")
        #expect(PullLayerPhase.downloading(done: 0, total: 1).words == "Downloading")
        #expect(PullLayerPhase.extracting.words == "Extracting")
        #expect(PullLayerPhase.complete.words == "Pull complete")
    }
}
