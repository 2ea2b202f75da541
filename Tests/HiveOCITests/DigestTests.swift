import Testing
@testable import HiveOCI
import HivePlatform

@Suite struct DigestTests {
    @Test func knownValues() {
        #expect(Digest.of([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.of(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let h = SHA256()
        var i = 0
        while i < data.count {
            let n = min(7919, data.count - i)
            h.update(Array(data[i..<(i + n)]))
            i += n
        }
        #expect(h.finalize() == Digest.of(data))
    }

    @Test func parsing() throws {
        let hex = String(repeating: "0", count: 63) + "f"
        #expect(try Digest(parsing: "sha256:" + hex).hex == hex)
        #expect(try Digest(parsing: "sha256:" + hex).description == "sha256:" + hex)
        #expect(try Digest(parsing: "sha256:" + hex).shortID == "000000000000")
        #expect(throws: DigestError.self) { try Digest(parsing: hex) }
        #expect(throws: DigestError.unsupportedAlgorithm("sha512")) { try Digest(parsing: "sha512:" + hex) }
        #expect(throws: DigestError.self) { try Digest(parsing: "sha256:" + hex.uppercased()) }
        #expect(throws: DigestError.self) { try Digest(parsing: "sha256:" + hex.dropLast()) }
        #expect(throws: DigestError.self) { try Digest(parsing: "sha256:" + hex + "0") }
    }

    /// The chainID rule of the OCI image spec (config.md "Layer ChainID").
    @Test func chainIDs() throws {
        let a = Digest.of(Array("a".utf8)), b = Digest.of(Array("b".utf8)), c = Digest.of(Array("c".utf8))
        let chain = Digest.chainIDs([a, b, c])
        #expect(chain[0] == a)
        #expect(chain[1] == Digest.of(Array("\(a) \(b)".utf8)))
        #expect(chain[2] == Digest.of(Array("\(chain[1]) \(c)".utf8)))
        #expect(Digest.chainIDs([]).isEmpty)
    }

    @Test func jsonRoundTrip() throws {
        let d = Digest.of(Array("x".utf8))
        let bytes = try JSONCoding.encode([d])
        #expect(String(decoding: bytes, as: UTF8.self) == "[\"\(d)\"]")
        #expect(try JSONCoding.decode([Digest].self, from: bytes) == [d])
        #expect(throws: (any Error).self) { try JSONCoding.decode([Digest].self, from: Array("[\"sha256:zz\"]".utf8)) }
    }
}
