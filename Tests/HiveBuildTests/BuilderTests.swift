// The builder: stage selection as pure functions, and whole builds over a
// real store with a fake BuildHost (no containers): the cache, --no-cache,
// --target, tags, progress lines and Dockerfile:line errors.
import Foundation
import Testing

@testable import HiveBuild
import HiveOCI
import HivePlatform
@testable import HiveStore

/// A host that runs no container: a RUN step "succeeds" (unless its command
/// is `false`) with no changes, written as an empty layer tar.
final class FakeHost: BuildHost {
    let store: Store
    var runs: [RunStepRequest] = []

    init(store: Store) { self.store = store }

    func run<T>(_ request: RunStepRequest, then: (Int32, @escaping (Int32) throws -> Void) throws -> T) throws -> T {
        runs.append(request)
        return try then(request.argv.last == "false" ? 1 : 0) { fd in
            let end = [UInt8](repeating: 0, count: 1024)  // a tar with no entries
            _ = end.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// No registry here: a missing base image stays missing.
    func pull(_ reference: String, always: Bool) throws -> Digest {
        throw HiveError(.unavailable, "no registry in these tests")
    }

    /// How many images the store holds (the builder makes them there).
    var made: Int { (try? store.allImages().count) ?? -1 }

    func config(_ id: Digest) throws -> ImageConfig { try store.imageConfig(id) }

    /// Tags `id` as `name` (what FROM and --from resolve through the store).
    func tag(_ name: String, _ id: Digest) throws {
        let full = try Reference(parsing: name).description
        try store.db.transaction { () throws(HiveError) in try store.setTag(full, to: id) }
    }
}

@Suite final class BuilderTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hive-build-\(UInt64.random(in: 0...UInt64.max))").path
    deinit { try? FileManager.default.removeItem(atPath: root) }

    @Test func neededStagesFollowFromCopyAndMounts() throws {
        let df = try Dockerfile.parse("""
            ARG BASE=base
            FROM scratch AS base
            FROM scratch AS mounted
            FROM scratch AS tools
            FROM ${BASE} AS mid
            COPY --from=tools /a /a
            FROM scratch AS other
            RUN --mount=type=bind,from=1,target=/b true
            FROM mid
            COPY --from=other /x /x
            """)
        let meta = Builder.metaArgs(df, buildArgs: [:])
        #expect(meta.map { "\($0.0)=\($0.1)" } == ["BASE=base"])
        let last = try Builder.targetIndex(df, target: nil, dockerfileName: "Dockerfile")
        #expect(last == 5)
        #expect(Builder.neededStages(df, target: last, metaArgs: meta) == [0, 1, 2, 3, 4, 5])
        #expect(Builder.neededStages(df, target: 4, metaArgs: meta) == [1, 4])
        #expect(Builder.neededStages(df, target: try Builder.targetIndex(df, target: "MID", dockerfileName: "Dockerfile"), metaArgs: meta) == [0, 2, 3])
        // a build arg changes what FROM names
        let other = Builder.metaArgs(df, buildArgs: ["BASE": "tools"])
        #expect(Builder.neededStages(df, target: 3, metaArgs: other) == [2, 3])
        // a stage is named only by earlier ones, by name or index
        #expect(Builder.stageIndex(df, "tools", before: 2) == nil)
        #expect(Builder.stageIndex(df, "tools", before: 3) == 2)
        #expect(Builder.stageIndex(df, "1", before: 2) == 1)
        #expect(Builder.stageIndex(df, "2", before: 2) == nil)
        #expect(throws: HiveError.self) { try Builder.targetIndex(df, target: "nope", dockerfileName: "Dockerfile") }
        do { _ = try Builder.targetIndex(df, target: "nope", dockerfileName: "Containerfile") } catch let e as HiveError {
            #expect(e.message == "target stage \"nope\" could not be found in Containerfile (stages: base, mounted, tools, mid, other)")
        }
    }

    func build(_ text: String, _ host: FakeHost, noCache: Bool = false, target: String? = nil, tags: [String] = [],
               labels: [String: String] = [:]) throws -> (Digest, [String]) {
        var lines: [String] = []
        var o = BuildOptions(dockerfileText: text)
        o.noCache = noCache
        o.target = target
        o.labels = labels
        o.progress = { lines.append($0) }
        let df = try Builder.parse(o)
        let id = try Builder(store: host.store, host: host, options: o, dockerfile: df).build(tags: try Builder.references(tags))
        return (id, lines)
    }

    @Test func aRebuildIsCachedAndMakesNoImage() throws {
        let host = FakeHost(store: try Store(root: root, runroot: root + "/run"))
        let df = "FROM scratch\nENV A=1\nLABEL x=y\nCMD [\"sh\"]\n"
        let (first, lines) = try build(df, host, tags: ["web:1"])
        #expect(host.made == 1)
        let made = try host.config(first)
        #expect(made.config?.env == ["A=1"] && made.config?.labels == ["x": "y"] && made.config?.cmd == ["sh"])
        #expect(made.history?.map(\.createdBy) == ["ENV A=1", "LABEL x=y", "CMD [\"sh\"]"])
        #expect(lines == ["#1 [stage-0 1/4] FROM scratch", "#2 [stage-0 2/4] ENV A=1", "#3 [stage-0 3/4] LABEL x=y",
                          "#4 [stage-0 4/4] CMD [\"sh\"]", "writing image \(first) done", "naming to docker.io/library/web:1 done"])
        #expect(try host.store.imageID(forTag: "docker.io/library/web:1") == first)
        // the same Dockerfile again: the stage's image is found by its key
        let (again, _) = try build(df, host)
        #expect(again == first && host.made == 1)
        // --no-cache makes it again; a different instruction is a different key
        _ = try build(df, host, noCache: true)
        #expect(host.made == 2)
        _ = try build(df.replacingOccurrences(of: "A=1", with: "A=2"), host)
        #expect(host.made == 3)
        // --label on the final stage is part of the image and the key
        let (labelled, _) = try build(df, host, labels: ["v": "1"])
        #expect(try labelled != first && host.config(labelled).config?.labels == ["x": "y", "v": "1"])
    }

    @Test func runStepsGoToTheHostAndAreCached() throws {
        let host = FakeHost(store: try Store(root: root, runroot: root + "/run"))
        let (base, _) = try build("FROM scratch\nENV PATH=/bin\n", host)
        try host.tag("base", base)
        let df = "FROM base\nARG V=1\nWORKDIR /\nUSER 1:2\nRUN --network=host echo $V\n"
        let (ran, lines) = try build(df, host)
        #expect(host.runs.count == 1)
        let r = host.runs[0]
        #expect(r.image == base && r.argv == ["/bin/sh", "-c", "echo $V"] && r.network == "host" && r.user == "1:2" && r.workdir == "/")
        #expect(r.env == ["V=1", "PATH=/bin"])
        #expect(lines.contains { $0.hasPrefix("#5 DONE ") })
        #expect(try host.config(ran).history?.last?.createdBy == "RUN /bin/sh -c echo $V # buildkit")
        let (_, cached) = try build(df, host)
        #expect(host.runs.count == 1 && cached.contains("#5 CACHED"))
    }

    @Test func errorsNameTheDockerfileLine() throws {
        let host = FakeHost(store: try Store(root: root, runroot: root + "/run"))
        func message(_ df: String) -> String {
            do { _ = try build(df, host); return "" } catch { return (error as? HiveError)?.message ?? "\(error)" }
        }
        #expect(message("FROM scratch\nRUN true\n")
                == "Dockerfile:2: RUN needs a filesystem with a shell; this stage is FROM scratch with no files yet (line 2: RUN true)")
        #expect(message("FROM nothing-here\n")
                == "Dockerfile:1: base image \"nothing-here\" not found locally, and pulling it failed: no registry in these tests (line 1: FROM nothing-here)")
        #expect(message("FROM --platform=linux/s390x scratch\n").hasPrefix("Dockerfile:1: FROM --platform=linux/s390x: hive builds for this machine only (linux/amd64)"))
        let (base, _) = try build("FROM scratch\nENV A=1\n", host)
        try host.tag("base", base)
        #expect(message("FROM base\nENV B=2\nRUN false\n")
                == "Dockerfile:3: process \"/bin/sh -c false\" did not complete successfully: exit code: 1 (line 3: RUN false)")
        #expect(message("FROM scratch\nCOPY a /a\n").hasPrefix("Dockerfile:2: COPY needs a build context"))
        var o = BuildOptions(dockerfileText: "FROM scratch\n")
        o.network = "mynet"  // builds take bridge, none or host
        #expect(throws: HiveError.self) { try Builder(store: host.store, host: host, options: o, dockerfile: try Builder.parse(o)).build(tags: []) }
    }
}
