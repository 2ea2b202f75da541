// Instructions that change only the config, applied to a stage's state as
// pure functions: the config they produce, the cache key they advance, the
// history entry they add.
import Testing

@testable import HiveBuild
import HiveOCI
import HivePlatform

@Suite struct BuildStateTests {
    static func scratch() -> BuildState {
        BuildState(image: nil, config: ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: [])),
                   key: Builder.sha256Hex("FROM scratch"))
    }

    /// The instructions of a one-stage Dockerfile, applied in order.
    static func apply(_ body: String, to start: BuildState = scratch(), buildArgs: [String: String] = [:],
                      signals: [String] = ["SIGTERM", "SIGKILL", "9"]) throws -> BuildState {
        let df = try Dockerfile.parse("FROM scratch\n" + body)
        var s = start
        for step in df.stages[0].steps {
            try s.applyMetadata(step.instruction, lex: ShellLex(escape: df.escape), buildArgs: buildArgs, metaArgs: df.metaArgs,
                                architecture: "amd64", checkSignal: { name in
                                    guard signals.contains(name) else { throw HiveError(.invalidArgument, "invalid signal \"\(name)\"") }
                                })
        }
        return s
    }

    @Test func envExpandsAndReplaces() throws {
        let s = try Self.apply("ENV A=1 B=$A\nENV A=2\nENV C=${A}-${B}")
        #expect(s.config.config?.env == ["B=1", "A=2", "C=2-1"])
        #expect(s.env.map { "\($0.0)=\($0.1)" } == ["B=1", "A=2", "C=2-1"])
        #expect(s.config.history?.map(\.createdBy) == ["ENV A=1 B=1", "ENV A=2", "ENV C=2-1"])
        #expect(s.config.history?.allSatisfy { $0.emptyLayer == true && $0.comment == "buildkit.dockerfile.v0" } == true)
        #expect(s.dirty)
    }

    @Test func argTakesBuildArgDefaultMetaOrAutomatic() throws {
        let df = "ARG GIVEN=default\nARG DEF=d\nARG TARGETARCH\nARG NONE\nRUN true"
        let s = try Self.apply(df, buildArgs: ["GIVEN": "given"])
        #expect(s.args.map { "\($0.0)=\($0.1)" } == ["GIVEN=given", "DEF=d", "TARGETARCH=amd64"])
        // an ARG is in the key (with its value) but not in the history or the config
        #expect(s.config.history == nil && s.config.config == nil && !s.dirty)
        var k = Self.scratch()
        for t in ["ARG GIVEN=given", "ARG DEF=d", "ARG TARGETARCH=amd64", "ARG NONE=<unset>"] { k.advance(t) }
        #expect(s.key == k.key)
        // a meta ARG (before FROM) gives its default to an ARG without one
        let meta = try Dockerfile.parse("ARG V=meta\nFROM scratch\nARG V")
        var m = Self.scratch()
        try m.applyMetadata(meta.stages[0].steps[0].instruction, lex: ShellLex(escape: meta.escape), buildArgs: [:],
                            metaArgs: meta.metaArgs, architecture: "arm64", checkSignal: { _ in })
        #expect(m.args.map { "\($0.0)=\($0.1)" } == ["V=meta"])
        #expect(BuildState.automaticArg("TARGETPLATFORM", architecture: "arm64") == "linux/arm64")
        #expect(BuildState.automaticArg("BUILDVARIANT", architecture: "arm64") == "")
        #expect(BuildState.automaticArg("OTHER", architecture: "arm64") == nil)
    }

    @Test func argsAreVisibleToLaterInstructions() throws {
        let s = try Self.apply("ARG U=app\nUSER $U\nLABEL who=$U", buildArgs: [:])
        #expect(s.config.config?.user == "app")
        #expect(s.config.config?.labels == ["who": "app"])
        #expect(s.config.history?.map(\.createdBy) == ["USER app", "LABEL who=app"])
    }

    @Test func exposeNormalisesAndRefuses() throws {
        let s = try Self.apply("EXPOSE 80 53/UDP 8000-8010")
        #expect(s.config.config?.exposedPorts.map { Array($0.keys).sorted() } == ["53/udp", "80/tcp", "8000-8010/tcp"])
        #expect(s.config.history?.last?.createdBy == "EXPOSE map[80/tcp:{} 53/udp:{} 8000-8010/tcp:{}]")
        #expect(throws: HiveError.self) { try Self.apply("EXPOSE 80/quic") }
        #expect(throws: HiveError.self) { try Self.apply("EXPOSE http") }
    }

    @Test func volumeShellMaintainerOnbuild() throws {
        let s = try Self.apply("VOLUME /data /cache\nSHELL [\"/bin/bash\", \"-c\"]\nMAINTAINER me\nONBUILD RUN make")
        #expect(s.config.config?.volumes.map { Array($0.keys).sorted() } == ["/cache", "/data"])
        #expect(s.config.config?.shell == ["/bin/bash", "-c"])
        #expect(s.config.author == "me")
        #expect(s.config.config?.onBuild == ["RUN make"])
        #expect(s.config.history?.map(\.createdBy) == ["VOLUME [/data /cache]", "SHELL [/bin/bash -c]", "MAINTAINER me", "ONBUILD RUN make"])
        #expect(throws: HiveError.self) { try Self.apply("ARG E\nVOLUME $E") }
    }

    @Test func cmdAndEntrypoint() throws {
        // the shell form runs in SHELL
        let s = try Self.apply("SHELL [\"/bin/ash\", \"-c\"]\nCMD echo hi")
        #expect(s.config.config?.cmd == ["/bin/ash", "-c", "echo hi"])
        #expect(s.config.history?.last?.createdBy == "CMD [\"/bin/ash\",\"-c\",\"echo hi\"]")
        // an inherited CMD goes with a new ENTRYPOINT; one set in this stage stays
        var base = Self.scratch()
        base.config.config = ContainerConfig()
        base.config.config?.cmd = ["sh"]
        #expect(try Self.apply("ENTRYPOINT [\"top\"]", to: base).config.config?.cmd == nil)
        let both = try Self.apply("CMD [\"-b\"]\nENTRYPOINT [\"top\"]", to: base)
        #expect(both.config.config?.cmd == ["-b"] && both.config.config?.entrypoint == ["top"])
        #expect(both.cmdSet)
    }

    @Test func stopSignalIsChecked() throws {
        #expect(try Self.apply("STOPSIGNAL SIGKILL").config.config?.stopSignal == "SIGKILL")
        #expect(throws: HiveError.self) { try Self.apply("STOPSIGNAL SIGNOPE") }
    }

    @Test func healthcheckIsKept() throws {
        let s = try Self.apply("HEALTHCHECK --interval=5s CMD true")
        #expect(s.config.config?.healthcheck?.test == ["CMD-SHELL", "true"])
        #expect(s.config.history?.last?.createdBy?.hasPrefix("HEALTHCHECK {") == true)
    }

    @Test func cacheKeyIsTheChainOfExpandedTexts() throws {
        // the key is sha256(previous + "\n" + text) at every step: same text, same key
        let a = try Self.apply("ENV A=1\nLABEL l=x")
        let b = try Self.apply("ARG V=1\nENV A=$V\nLABEL l=x")
        var expected = Self.scratch()
        expected.advance("ENV A=1")
        expected.advance("LABEL l=x")
        #expect(a.key == expected.key)
        #expect(Builder.sha256Hex(Self.scratch().key + "\nENV A=1") == { var s = Self.scratch(); s.advance("ENV A=1"); return s.key }())
        // an ARG with a value is part of the key, so b differs from a
        #expect(b.key != a.key)
        #expect(try Self.apply("ENV A=2\nLABEL l=x").key != a.key)
        #expect(try Self.apply("LABEL l=x\nENV A=1").key != a.key)
    }
}
