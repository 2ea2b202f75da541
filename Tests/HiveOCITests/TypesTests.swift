import Testing
@testable import HiveOCI
import HivePlatform

/// OCI types round-trip and validate against the image-spec schemas in ../shared/corpus.
@Suite struct TypesTests {
    static let schemaDir = SchemaValidator.corpus("oci-image-spec-schema")

    func sampleConfig() -> ImageConfig {
        var c = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: [Digest.of(Array("l".utf8))]))
        c.created = "2024-01-02T03:04:05.123456789Z"
        var cc = ContainerConfig()
        cc.cmd = ["sh"]
        cc.env = ["PATH=/bin"]
        cc.exposedPorts = ["80/tcp": EmptyObject()]
        cc.volumes = ["/data": EmptyObject()]
        cc.labels = ["a": "b"]
        cc.stopSignal = "SIGTERM"
        c.config = cc
        c.history = [History(created: c.created, createdBy: "import", comment: "x", emptyLayer: nil)]
        return c
    }

    @Test func configRoundTripAndSchema() throws {
        let bytes = try JSONCoding.encode(sampleConfig())
        #expect(try JSONCoding.decode(ImageConfig.self, from: bytes) == sampleConfig())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"diff_ids\""))
        #expect(text.contains("\"ExposedPorts\":{\"80/tcp\":{}}"))
        #expect(!text.contains("Entrypoint"))  // nil fields are omitted
        try SchemaValidator(dir: Self.schemaDir).validate(bytes, schema: "config-schema.json")
    }

    @Test func manifestIndexLayoutRoundTripAndSchema() throws {
        let cfg = try JSONCoding.encode(sampleConfig())
        let m = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(cfg), size: Int64(cfg.count)),
                         layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.of(Array("l".utf8)), size: 1)])
        let mb = try JSONCoding.encode(m)
        #expect(try JSONCoding.decode(Manifest.self, from: mb) == m)
        let v = try SchemaValidator(dir: Self.schemaDir)
        try v.validate(mb, schema: "image-manifest-schema.json")
        let idx = Index(manifests: [Descriptor(mediaType: MediaType.ociManifest, digest: Digest.of(mb), size: Int64(mb.count),
                                               annotations: [Annotation.refName: "latest"],
                                               platform: Platform(architecture: "amd64", os: "linux"))])
        let ib = try JSONCoding.encode(idx)
        #expect(try JSONCoding.decode(Index.self, from: ib) == idx)
        try v.validate(ib, schema: "image-index-schema.json")
        try v.validate(try JSONCoding.encode(OCILayout()), schema: "image-layout-schema.json")
    }

    @Test func validatorRejectsBadDocuments() throws {
        let v = try SchemaValidator(dir: Self.schemaDir)
        #expect(throws: SchemaError.self) { try v.validate(Array(#"{"schemaVersion":2,"layers":[]}"#.utf8), schema: "image-manifest-schema.json") }
        #expect(throws: SchemaError.self) {
            try v.validate(Array(#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"nodigest","size":1},"layers":[]}"#.utf8),
                           schema: "image-manifest-schema.json")
        }
        #expect(throws: SchemaError.self) { try v.validate(Array(#"{"imageLayoutVersion":1}"#.utf8), schema: "image-layout-schema.json") }
    }

    @Test func dockerArchiveEntryKeys() throws {
        let e = DockerArchiveEntry(config: "c.json", repoTags: ["busybox:latest"], layers: ["l/layer.tar"])
        let text = String(decoding: try JSONCoding.encode(e), as: UTF8.self)
        #expect(text == #"{"Config":"c.json","Layers":["l/layer.tar"],"RepoTags":["busybox:latest"]}"#)
    }

    @Test func decodesDockerStyleConfigWithUnknownFields() throws {
        let json = #"{"architecture":"amd64","os":"linux","container":"abc","docker_version":"20.10","config":{"Cmd":["sh"],"Hostname":"x","Image":"sha256:00"},"rootfs":{"type":"layers","diff_ids":[]}}"#
        let c = try JSONCoding.decode(ImageConfig.self, from: Array(json.utf8))
        #expect(c.config?.cmd == ["sh"])
    }

    @Test func timestamps() throws {
        let t = try #require(Timestamp(rfc3339: "2024-01-02T03:04:05.5Z"))
        #expect(t.seconds == 1704164645)
        #expect(t.nanoseconds == 500_000_000)
        #expect(t.rfc3339 == "2024-01-02T03:04:05.5Z")
        #expect(Timestamp(rfc3339: "2024-01-02T05:04:05+02:00")?.seconds == 1704164645)
        #expect(Timestamp(rfc3339: "2024-01-02T03:04:05.123456789Z")?.rfc3339 == "2024-01-02T03:04:05.123456789Z")
        #expect(Timestamp(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(rfc3339: "2024-01-02") == nil)
        #expect(Timestamp(rfc3339: "2024-01-02T03:04:05") == nil)
        #expect(Timestamp(unixNanos: t.unixNanos) == t)
    }

    @Test func jsonValueSerialisation() {
        let v = JSONValue.object(["b": .array([.int(1), .bool(true), .null]), "a": .string("<x>\n\"q\"")])
        #expect(v.serialized() == #"{"a":"\u003cx\u003e\n\"q\"","b":[1,true,null]}"#)
        #expect(JSONValue.object([:]).serialized(indent: "  ") == "{}")
        #expect(JSONValue.array([.int(1)]).serialized(indent: "  ") == "[\n  1\n]")
    }
}
