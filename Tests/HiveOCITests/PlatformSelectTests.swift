import Testing
@testable import HiveOCI
import HivePlatform

/// `--platform` parsing and the choice of a manifest from an image index.
@Suite struct PlatformSelectTests {
    func desc(_ n: UInt8, _ os: String, _ arch: String, _ variant: String? = nil,
              mediaType: String = MediaType.ociManifest) -> Descriptor {
        Descriptor(mediaType: mediaType, digest: Digest.of([n]), size: 100,
                   platform: Platform(architecture: arch, os: os, variant: variant))
    }

    @Test func parsesPlatforms() throws {
        let p = try Platform(parsing: "linux/arm64/v8")
        #expect(p.os == "linux" && p.architecture == "arm64" && p.variant == "v8")
        let q = try Platform(parsing: "Linux/x86_64")
        #expect(q.os == "linux" && q.architecture == "amd64" && q.variant == nil)
        for bad in ["linux", "", "linux/", "/amd64", "linux/arm/v7/x", "a//b"] {
            #expect(throws: HiveError.self) { try Platform(parsing: bad) }
        }
    }

    @Test func defaultVariants() {
        #expect(Platform(architecture: "arm64", os: "linux").normalizedVariant == "v8")
        #expect(Platform(architecture: "arm", os: "linux").normalizedVariant == "v7")
        #expect(Platform(architecture: "amd64", os: "linux").normalizedVariant == nil)
        #expect(Platform(architecture: "amd64", os: "linux", variant: "v1").normalizedVariant == nil)
        #expect(Platform(architecture: "arm", os: "linux", variant: "v6").normalizedVariant == "v6")
    }

    /// run's `--platform` against an image's own platform (Engine.checkPlatform).
    @Test func acceptsAnImageOfThePlatformAsked() throws {
        let arm64 = Platform(architecture: "arm64", os: "linux")
        #expect(try Platform(parsing: "linux/arm64").accepts(arm64))
        #expect(try Platform(parsing: "linux/arm64/v8").accepts(arm64))  // v8 is arm64's default
        #expect(try !Platform(parsing: "linux/arm64/v9").accepts(arm64))
        #expect(try Platform(parsing: "linux/x86_64").accepts(Platform(architecture: "amd64", os: "linux")))
        #expect(try Platform(parsing: "linux/amd64/v1").accepts(Platform(architecture: "amd64", os: "linux")))
        #expect(try Platform(parsing: "linux/arm").accepts(Platform(architecture: "arm", os: "linux", variant: "v6")))
        #expect(try !Platform(parsing: "linux/arm/v7").accepts(Platform(architecture: "arm", os: "linux", variant: "v6")))
        #expect(try !Platform(parsing: "windows/amd64").accepts(Platform(architecture: "amd64", os: "linux")))
    }

    @Test func selectsByArchitectureAndVariant() throws {
        let index = Index(manifests: [desc(1, "linux", "amd64"), desc(2, "linux", "arm", "v6"), desc(3, "linux", "arm", "v7"),
                                      desc(4, "linux", "arm64", "v8"), desc(5, "windows", "amd64")])
        #expect(try index.select(platform: Platform(parsing: "linux/amd64"), what: "x").digest == Digest.of([1]))
        // arm means v7; an explicit v6 picks v6
        #expect(try index.select(platform: Platform(parsing: "linux/arm"), what: "x").digest == Digest.of([3]))
        #expect(try index.select(platform: Platform(parsing: "linux/arm/v6"), what: "x").digest == Digest.of([2]))
        // arm64 is v8 whether or not it is written
        #expect(try index.select(platform: Platform(parsing: "linux/arm64"), what: "x").digest == Digest.of([4]))
        #expect(try index.select(platform: Platform(parsing: "linux/arm64/v8"), what: "x").digest == Digest.of([4]))
        #expect(try index.select(platform: Platform(parsing: "windows/amd64"), what: "x").digest == Digest.of([5]))
    }

    @Test func descriptorWithoutVariantMatchesAnyButExactWins() throws {
        let loose = Index(manifests: [desc(1, "linux", "arm64")])
        #expect(try loose.select(platform: Platform(parsing: "linux/arm64/v8"), what: "x").digest == Digest.of([1]))
        let both = Index(manifests: [desc(1, "linux", "arm"), desc(2, "linux", "arm", "v7")])
        #expect(try both.select(platform: Platform(parsing: "linux/arm"), what: "x").digest == Digest.of([2]))
    }

    @Test func attestationsAreNeverChosen() throws {
        let index = Index(manifests: [desc(9, "linux", "amd64", mediaType: "application/vnd.in-toto+json"), desc(1, "linux", "amd64")])
        #expect(try index.select(platform: Platform(parsing: "linux/amd64"), what: "x").digest == Digest.of([1]))
    }

    @Test func noMatchListsWhatTheIndexHas() {
        let index = Index(manifests: [desc(1, "linux", "amd64"), desc(4, "linux", "arm64", "v8"), desc(7, "unknown", "unknown")])
        do {
            _ = try index.select(platform: Platform(parsing: "linux/s390x"), what: "image index busybox:latest")
            Issue.record("a platform the index lacks was selected")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("image index busybox:latest has no image for linux/s390x"))
            #expect(error.message.contains("linux/amd64, linux/arm64/v8"))
            #expect(!error.message.contains("unknown"))
        }
    }
}
