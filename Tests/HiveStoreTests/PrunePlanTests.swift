import HiveOCI
import HivePlatform
@testable import HiveStore
import Testing

/// Cleanup planning as pure functions: given these records, this policy and
/// this disk, these candidates.
@Suite struct PrunePlanTests {
    static let second: Int64 = 1_000_000_000
    static let day: Int64 = 86_400 * second
    let now = 100 * day

    func id(_ n: Int) -> Digest { Digest.of(Array("image \(n)".utf8)) }

    func image(_ n: Int, _ tags: [String] = [], used: Int64 = 0, size: Int64 = 100, parent: Int? = nil, created: Int64 = 0) -> ImageRecord {
        var r = ImageRecord(id: id(n), manifestDigest: id(1000 + n), manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
                            created: created, size: size, added: 0, parent: parent.map(id), tags: tags.map { "docker.io/library/" + $0 })
        r.lastUsed = used == 0 ? nil : used
        return r
    }

    func container(_ name: String, image n: Int, state: ContainerRecord.State = .exited, created: Int64 = 0, finished: Int64? = nil,
                   labels: String = "{}") -> ContainerRecord {
        var r = ContainerRecord(id: name + "-id", name: name, imageID: id(n), imageName: "img", config: "{}", created: created)
        r.state = state
        r.finished = finished
        r.labelsJSON = labels
        return r
    }

    func input(_ images: [ImageRecord], _ containers: [ContainerRecord] = [], alive: Set<String> = [], volumes: [VolumeRecord] = [],
               users: [String: [String]] = [:]) -> PruneInput {
        PruneInput(containers: containers, alive: alive, images: images, volumes: volumes, volumeUsers: users, now: now)
    }

    func summary(_ c: [PruneCandidate]) -> [String] { c.map { "\($0.type) \($0.name): \($0.reason)" } }

    static func labels(_ json: String) -> [String: String] {
        ((try? JSONValue.parse(Array(json.utf8)))?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    // MARK: - system gc

    @Test func danglingImagesGoUnlessPinnedNewOrAParent() {
        let images = [
            image(1),                                  // dangling, old: goes
            image(2, used: now - 60 * Self.second),    // dangling, used a minute ago (min_age 2m): stays
            image(3, ["busybox:latest"]),              // tagged: no rule reaches it
            image(4),                                  // a container uses it
            image(5),                                  // the parent of 6
            image(6, ["app:1"], parent: 5),
        ]
        let plan = PrunePlan.gc(HiveConfig.GCPolicy(), input(images, [container("c", image: 4)]), disk: nil)
        #expect(summary(plan) == ["image <none>: dangling"])
        #expect(plan[0].id == id(1).description && plan[0].size == 100 && plan[0].lastUsed == nil)
    }

    @Test func maxAgeRemovesImagesNotUsedForThatLong() {
        var p = HiveConfig.GCPolicy()
        p.maxAge = 30 * Self.day
        let plan = PrunePlan.gc(p, input([image(1, ["old:1"], used: 50 * Self.day), image(2, ["recent:1"], used: 90 * Self.day)]), disk: nil)
        #expect(summary(plan) == ["image old:1: not used for max_age"])
    }

    @Test func keepLeavesTheMostRecentlyUsedOfEachRepository() {
        var p = HiveConfig.GCPolicy()
        p.keep = 1
        let images = [image(1, ["web:1"], used: 90 * Self.day), image(2, ["web:2"], used: 80 * Self.day),
                      image(3, ["web:3", "other:1"], used: 70 * Self.day), image(4, ["db:1"], used: 10 * Self.day)]
        // web:3 is the newest of "other": it stays
        #expect(summary(PrunePlan.gc(p, input(images), disk: nil)) == ["image web:2: beyond keep=1 in its repository"])
    }

    @Test func exitedContainersPastTheirTTLGoAndUnpinTheirImage() {
        var p = HiveConfig.GCPolicy()
        p.containerTTL = Self.day
        let containers = [
            container("old", image: 1, finished: now - 2 * Self.day),
            container("recent", image: 2, finished: now - Self.day / 2),
            container("never-started", image: 2, state: .created, created: now - 3 * Self.day),
            container("running", image: 3, state: .running, created: 0),
            container("dead", image: 3, state: .running, created: 0),
        ]
        let plan = PrunePlan.gc(p, input([image(1), image(2), image(3)], containers, alive: ["running-id"]), disk: nil)
        #expect(summary(plan) == ["container old: exited longer than container_ttl", "container never-started: exited longer than container_ttl",
                                  "container dead: exited longer than container_ttl", "image <none>: dangling"])
        #expect(plan[0].lastUsed == now - 2 * Self.day)
        #expect(plan[3].id == id(1).description)
    }

    @Test func aboveTheHighWatermarkLeastRecentlyUsedGoUntilTheLowMark() {
        let images = [image(1, ["a:1"], used: 30 * Self.day, size: 6), image(2, ["b:1"], used: 10 * Self.day, size: 6),
                      image(3, ["c:1"], used: 20 * Self.day, size: 6)]
        // 90% used, low mark 80%: 10 bytes to free, LRU first: b (6), then c (6)
        let plan = PrunePlan.gc(HiveConfig.GCPolicy(), input(images), disk: DiskSpace(used: 90, total: 100))
        #expect(summary(plan) == ["image b:1: disk above high_watermark (90%)", "image c:1: disk above high_watermark (90%)"])
        // below the high mark nothing goes
        #expect(PrunePlan.gc(HiveConfig.GCPolicy(), input(images), disk: DiskSpace(used: 84, total: 100)).isEmpty)
        // what other rules remove counts towards the low mark
        let withDangling = images + [image(4, size: 6)]
        #expect(summary(PrunePlan.gc(HiveConfig.GCPolicy(), input(withDangling), disk: DiskSpace(used: 90, total: 100)))
                == ["image b:1: disk above high_watermark (90%)", "image <none>: dangling"])
        // `all` (hooks test): every unused image, said as what the watermark would do
        #expect(summary(PrunePlan.gc(HiveConfig.GCPolicy(), input(images), disk: DiskSpace(used: 50, total: 100), all: true)).allSatisfy {
            $0.hasSuffix(": least recently used (if the disk passes high_watermark)")
        })
        #expect(PrunePlan.gc(HiveConfig.GCPolicy(), input(images), disk: DiskSpace(used: 50, total: 100), all: true).count == 3)
    }

    @Test func unusedAnonymousVolumesGoWhenThePolicySaysSo() {
        var p = HiveConfig.GCPolicy()
        let volumes = [VolumeRecord(name: "anon1", created: 5, labelsJSON: "{}", anonymous: true),
                       VolumeRecord(name: "anon2", created: 5, labelsJSON: "{}", anonymous: true),
                       VolumeRecord(name: "named", created: 5, labelsJSON: "{}", anonymous: false)]
        let i = input([], volumes: volumes, users: ["anon2": ["c-id"]])
        #expect(PrunePlan.gc(p, i, disk: nil).isEmpty)
        p.volumes = true
        #expect(summary(PrunePlan.gc(p, i, disk: nil)) == ["volume anon1: unused anonymous volume"])
    }

    // MARK: - prune verbs

    @Test func stoppedContainersWithUntilAndLabels() {
        let containers = [container("a", image: 1, created: 10, labels: #"{"tier":"web"}"#), container("b", image: 1, created: 20),
                          container("c", image: 1, state: .running, created: 5), container("d", image: 1, created: 5, finished: 7)]
        let i = input([], containers, alive: ["c-id"])
        #expect(PrunePlan.stoppedContainers(i).map(\.name) == ["a", "b", "d"])
        #expect(PrunePlan.stoppedContainers(i).last?.lastUsed == 7)
        #expect(PrunePlan.stoppedContainers(i, until: 10).map(\.name) == ["a", "d"])
        #expect(PrunePlan.stoppedContainers(i, labelFilters: ["tier"], labels: Self.labels).map(\.name) == ["a"])
        #expect(PrunePlan.stoppedContainers(i, labelFilters: ["tier=web"], labels: Self.labels).map(\.name) == ["a"])
        #expect(PrunePlan.stoppedContainers(i, labelFilters: ["tier=db"], labels: Self.labels).isEmpty)
    }

    @Test func systemPruneImagesAndVolumes() {
        let containers = [container("leaving", image: 1), container("staying", image: 2)]
        let images = [image(1), image(2), image(3, created: 50)]
        let volumes = [VolumeRecord(name: "v1", created: 0, labelsJSON: "{}", anonymous: true),
                       VolumeRecord(name: "v2", created: 0, labelsJSON: "{}", anonymous: true)]
        let i = input(images, containers, volumes: volumes, users: ["v1": ["leaving-id"], "v2": ["staying-id"]])
        let leaving = [PruneCandidate(type: "container", id: "leaving-id", name: "leaving", created: 0, lastUsed: nil, size: 0, reason: "stopped")]
        #expect(PrunePlan.systemImages(i, listed: images, leaving: leaving, until: nil, all: false).map(\.id) == [id(1), id(3)].map(\.description))
        #expect(PrunePlan.systemImages(i, listed: images, leaving: leaving, until: 10, all: true).map(\.reason) == ["unused"])
        #expect(PrunePlan.anonymousVolumes(i, leaving: leaving).map(\.id) == ["v1"])
        #expect(PrunePlan.anonymousVolumes(i, leaving: []).isEmpty)
    }

    @Test func imagePruneSkipsInUseParentsAndRecentlyUsed() {
        let images = [image(1), image(2), image(3), image(4, ["x:1"], parent: 3), image(5, used: now - Self.day), image(6, created: 90)]
        let i = input(images, [container("c", image: 2)])
        let listed = images.filter(\.tags.isEmpty)
        #expect(PrunePlan.images(i, listed: listed, until: nil, minAge: 0, keep: nil, all: false, disk: nil).map(\.id)
                == [id(1), id(5), id(6)].map(\.description))
        #expect(PrunePlan.images(i, listed: listed, until: 50, minAge: 2 * Self.day, keep: nil, all: false, disk: nil).map(\.id)
                == [id(1)].map(\.description))
    }

    @Test func imagePruneWithKeep() {
        let images = [image(1, ["web:1"], used: 90 * Self.day), image(2, ["web:2"], used: 80 * Self.day), image(3, ["web:3"], used: 70 * Self.day)]
        let plan = PrunePlan.images(input(images), listed: images, until: nil, minAge: 0, keep: 2, all: true, disk: nil)
        #expect(plan.map(\.name) == ["web:3"])
        #expect(plan[0].reason == "unused")
    }

    @Test func wholeChainsGoInOnePassChildrenFirst() {
        // 1 <- 2 <- 3 (a chain of untagged images), 4 <- 5 where 5 stays
        let images = [image(1), image(2, parent: 1), image(3, parent: 2), image(4), image(5, ["keep:1"], parent: 4)]
        #expect(PrunePlan.wholeChains([images[0], images[1], images[2]], images: images).map(\.id) == [id(3), id(2), id(1)])
        #expect(PrunePlan.wholeChains([images[0], images[1]], images: images).isEmpty)   // 3 stays: so do its parents
        #expect(PrunePlan.wholeChains([images[3]], images: images).isEmpty)              // 5 stays
        // image prune: the dangling chain in one pass
        let listed = images.filter(\.tags.isEmpty)
        #expect(PrunePlan.images(input(images), listed: listed, until: nil, minAge: 0, keep: nil, all: false, disk: nil).map(\.id)
                == [id(3), id(2), id(1)].map(\.description))
        // -a: everything, the tagged image before its parent
        #expect(PrunePlan.images(input(images), listed: images, until: nil, minAge: 0, keep: nil, all: true, disk: nil).map(\.id)
                == [id(3), id(5), id(2), id(4), id(1)].map(\.description))
        // gc: a dangling chain goes whole
        #expect(PrunePlan.gc(HiveConfig.GCPolicy(), input(Array(images[0...2])), disk: nil).map(\.id) == [id(3), id(2), id(1)].map(\.description))
    }

    func cache(_ n: Int, size: Int64 = 10, used: Int64, shared: Bool = false, inUse: Bool = false) -> BuildCacheEntry {
        BuildCacheEntry(id: "r\(n)", description: "RUN \(n)", size: size, created: 0, lastUsed: used, usageCount: 1, shared: shared, inUse: inUse)
    }

    @Test func buildCachePruneDanglingAllUntilKeepStorage() {
        let entries = [cache(1, used: 30), cache(2, used: 10, shared: true), cache(3, used: 20), cache(4, used: 5, inUse: true)]
        #expect(PrunePlan.buildCache(entries, all: false).map(\.id) == ["r3", "r1"])
        #expect(PrunePlan.buildCache(entries, all: true).map(\.id) == ["r2", "r3", "r1"])
        #expect(PrunePlan.buildCache(entries, all: true, until: 15).map(\.id) == ["r2"])
        // 40 bytes in all; keep 25: the least recently used go until 25 are left
        #expect(PrunePlan.buildCache(entries, all: true, keepStorage: 25).map(\.id) == ["r2", "r3"])
        #expect(PrunePlan.buildCache(entries, all: true, keepStorage: 100).isEmpty)
    }

    @Test func gcTakesTheBuildCacheByItsLimitsAndUnderTheWatermark() {
        var p = HiveConfig.GCPolicy()
        p.minAge = 0
        let entries = [cache(1, used: now - 10 * Self.day, shared: true), cache(2, used: now - Self.day, shared: true),
                       cache(3, used: now, shared: false), cache(4, used: now - 20 * Self.day, inUse: true)]
        var i = input([image(9, ["app:1"], used: now - 50 * Self.day, size: 50)])
        i.buildCache = entries
        #expect(summary(PrunePlan.gc(p, i, disk: nil)) == ["build-cache RUN 3: dangling build cache"])
        p.buildCacheMaxAge = 5 * Self.day
        #expect(summary(PrunePlan.gc(p, i, disk: nil)) == ["build-cache RUN 1: build cache not used for build_cache_max_age",
                                                           "build-cache RUN 3: dangling build cache"])
        p.buildCacheMaxAge = nil
        p.buildCacheKeepStorage = 15
        #expect(summary(PrunePlan.gc(p, i, disk: nil)).contains("build-cache RUN 1: build cache beyond build_cache_keep_storage"))
        // above the high mark: the cache before images, least recently used first
        p.buildCacheKeepStorage = nil
        let plan = summary(PrunePlan.gc(p, i, disk: DiskSpace(used: 95, total: 100)))
        #expect(plan.first == "build-cache RUN 1: disk above high_watermark (95%)")
        #expect(plan.last == "image app:1: disk above high_watermark (95%)")
        #expect(!plan.contains { $0.contains("RUN 4") })   // in use by a build
        let why = PrunePlan.gcExplanation(p, i, disk: DiskSpace(used: 50, total: 100), removing: [])
        #expect(why[0].hasPrefix("disk 50% used: below high_watermark 85%"))
        #expect(why[1] == "images kept: 1 (0 used by containers, 0 used or added within min_age 0s, 1 unused: tagged or the parent of a kept image, and no max_age, keep or watermark rule reaches them)")
    }

    // MARK: - system df

    @Test func diskUsageSummary() {
        let images = [image(1, size: 10), image(2, size: 20), image(3, size: 40)]
        let containers = [container("a", image: 1, state: .running), container("b", image: 1), container("c", image: 2)]
        let volumes = [VolumeRecord(name: "v1", created: 0, labelsJSON: "{}", anonymous: false),
                       VolumeRecord(name: "v2", created: 0, labelsJSON: "{}", anonymous: true)]
        // the images' counts and sizes come from the store's one query (each shared layer once)
        let rows = DiskUsage.summary(input(images, containers, alive: ["a-id"], volumes: volumes, users: ["v1": ["a-id"]]),
                                     layers: LayerUsage(imageCount: 3, imagesInUseCount: 2, images: 70, imagesInUse: 30),
                                     containerBytes: ["a-id": 1, "b-id": 2, "c-id": 4], volumeBytes: ["v1": 100, "v2": 200])
        #expect(rows == [
            DiskUsage(type: "Images", total: 3, active: 2, size: 70, reclaimable: 40),
            DiskUsage(type: "Containers", total: 3, active: 1, size: 7, reclaimable: 6),
            DiskUsage(type: "Local Volumes", total: 2, active: 1, size: 300, reclaimable: 200),
        ])
    }

    @Test func diskSpaceOfARealFilesystem() throws {
        let d = try #require(DiskSpace.of("/"))
        #expect(d.total >= d.used && d.usedPercent >= 0 && d.usedPercent <= 100)
        #expect(DiskSpace.of("/no/such/dir") == nil)
        #expect(DiskSpace(used: 25, total: 200).usedPercent == 12.5)
    }
}
