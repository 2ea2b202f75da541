import Testing
@testable import HiveOCI
import HivePlatform

/// CVE-2021-41190: a manifest-or-index document is one kind, by its shape and
/// by every media type naming it; a descriptor pins size and digest.
@Suite struct ImageDocumentTests {
    func kind(_ json: String, _ descriptor: String? = nil) throws(HiveError) -> ImageDocumentKind {
        try ImageDocumentKind.of(Array(json.utf8), descriptorMediaType: descriptor, what: "doc")
    }

    @Test func shapesAndAgreeingMediaTypes() throws {
        #expect(try kind(#"{"schemaVersion":2,"config":{},"layers":[]}"#) == .manifest)
        #expect(try kind(#"{"schemaVersion":2,"manifests":[]}"#) == .index)
        #expect(try kind(#"{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{},"layers":[]}"#,
                         MediaType.dockerManifest) == .manifest)
        #expect(try kind(#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#, MediaType.ociIndex) == .index)
    }

    @Test func ambiguousOrContradictingDocumentsAreRefused() {
        let refused = [
            (#"{"manifests":[],"layers":[]}"#, nil),
            (#"{"manifests":[],"config":{}}"#, nil),
            (#"{"mediaType":"application/vnd.oci.image.index.v1+json","config":{},"layers":[]}"#, nil),
            (#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}"#, nil),
            (#"{"config":{},"layers":[]}"#, MediaType.ociIndex),
            (#"{"manifests":[]}"#, MediaType.ociManifest),
            (#"{"config":{},"layers":[]}"#, MediaType.ociLayer),
            (#"{"mediaType":7,"manifests":[]}"#, nil),
            (#"{"schemaVersion":2}"#, nil),
            (#"[1]"#, nil),
            (#"{"manifests":[]"#, nil),
        ] as [(String, String?)]
        for (doc, descriptor) in refused {
            #expect(throws: HiveError.self, "\(doc) as \(descriptor ?? "-")") { try kind(doc, descriptor) }
        }
    }

    @Test func descriptorsPinSizeAndDigest() throws {
        let bytes = Array("content".utf8)
        let d = Descriptor(mediaType: MediaType.ociLayer, digest: Digest.of(bytes), size: Int64(bytes.count))
        try d.verify(size: Int64(bytes.count), digest: Digest.of(bytes), what: "blob")
        #expect(throws: HiveError.self) { try d.verify(size: Int64(bytes.count) + 1, digest: Digest.of(bytes), what: "blob") }
        #expect(throws: HiveError.self) { try d.verify(size: Int64(bytes.count), digest: Digest.of(Array("other".utf8)), what: "blob") }
        var negative = d
        negative.size = -1
        #expect(throws: HiveError.self) { try negative.verify(size: -1, digest: Digest.of(bytes), what: "blob") }
    }
}
