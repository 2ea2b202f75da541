import Glibc
import Testing
import HivePlatform
@testable import HiveRuntime

/// `hive update`'s merging and Docker's checks, and the cgroup files they write.
@Suite struct ResourceUpdateTests {
    func resources(memory: Int64? = nil, swap: Int64? = nil) -> Resources {
        var r = Resources()
        r.memory = memory
        r.memorySwap = swap
        return r
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return HiveError.render(error) }
        return "no error"
    }

    @Test func mergesOnlyWhatIsGiven() throws {
        var u = ResourceUpdate()
        u.cpus = 0.5
        u.pidsLimit = -1
        let r = try u.applied(to: resources(memory: 64 << 20))
        #expect(r.memory == 64 << 20)
        #expect(r.cpus == 0.5)
        #expect(r.pidsLimit == nil)  // unlimited
        #expect(u.controllers == ["cpu", "pids"])
        #expect(ResourceUpdate().isEmpty)
    }

    @Test func tuningLimitsMergeAndAreCheckedAgainstTheRecord() throws {
        var old = Resources()
        old.cpuPeriod = 50_000
        old.cpuQuota = 25_000
        old.memoryReservation = 32 << 20
        var u = ResourceUpdate()
        u.cpuQuota = -1  // lifted
        u.cpusetMems = "0"
        let r = try u.applied(to: old)
        #expect(r.cpuQuota == nil)
        #expect(r.cpuPeriod == 50_000)
        #expect(r.cpusetMems == "0")
        #expect(r.memoryReservation == 32 << 20)
        #expect(u.controllers == ["cpu", "cpuset"])
        u = ResourceUpdate()
        u.cpus = 1
        #expect(message { _ = try u.applied(to: old) } == "Conflicting options: Nano CPUs and CPU Period cannot both be set")
        u = ResourceUpdate()
        u.memory = 16 << 20
        #expect(message { _ = try u.applied(to: old) } == "Minimum memory limit can not be less than memory reservation limit, see usage")
        u = ResourceUpdate()
        u.blkioWeight = 5
        #expect(message { _ = try u.applied(to: old) } == "Range of blkio weight is from 10 to 1000")
        #expect(u.controllers == [Cgroups.mode == .v2 ? "io" : "blkio"])
    }

    @Test func dockersErrors() {
        var u = ResourceUpdate()
        u.memory = 4 << 20
        #expect(message { _ = try u.applied(to: Resources()) } == "Minimum memory limit allowed is 6MB")
        u = ResourceUpdate()
        u.memorySwap = 128 << 20
        #expect(message { _ = try u.applied(to: Resources()) } == "You should always set the Memory limit when using Memoryswap limit, see usage")
        u.memory = 256 << 20
        #expect(message { _ = try u.applied(to: Resources()) } == "Minimum memoryswap limit should be larger than memory limit, see usage")
        // raising memory above a swap limit set before, without a new swap limit
        u = ResourceUpdate()
        u.memory = 512 << 20
        #expect(message { _ = try u.applied(to: resources(memory: 64 << 20, swap: 128 << 20)) }
            == "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
        // with no swap limit (nil: memory only) raising is fine; -1 is unlimited swap
        #expect(message { _ = try u.applied(to: resources(memory: 64 << 20)) } == "no error")
        #expect(message { _ = try u.applied(to: resources(memory: 64 << 20, swap: -1)) } == "no error")
        u = ResourceUpdate()
        u.cpus = 100_000
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect(message { _ = try u.applied(to: Resources()) } == "range of CPUs is from 0.01 to \(n).00, as there are only \(n) CPUs available")
        u = ResourceUpdate()
        u.cpusetCpus = "0-x"
        #expect(message { _ = try u.applied(to: Resources()) } == "Invalid value 0-x for cpuset cpus")
        u.cpusetCpus = "4000"
        #expect(message { _ = try u.applied(to: Resources()) }.hasPrefix("Requested CPUs are not available - requested 4000, available: "))
        u = ResourceUpdate()
        u.cpuShares = 1
        #expect(message { _ = try u.applied(to: Resources()) }.contains("--cpu-shares 1"))
    }

    @Test func cpuLists() {
        #expect(ContainerPlanner.cpuList("0-3,5") == [0, 1, 2, 3, 5])
        #expect(ContainerPlanner.cpuList("1") == [1])
        for bad in ["", "3-1", "a", "1-", "-1", "0,,1", "1-2-3"] { #expect(ContainerPlanner.cpuList(bad) == nil, "\(bad)") }
    }

    @Test func sharesToWeightAsRunc() {
        #expect(Cgroups.sharesToWeight(2) == 1)
        #expect(Cgroups.sharesToWeight(1024) == 39)
        #expect(Cgroups.sharesToWeight(262_144) == 10000)
    }

    @Test func v1MemoryFilesOrderedForRaisingAndLowering() {
        var r = resources(memory: 64 << 20)
        let created = Cgroups.limitSettings(r, v2: false)["memory"]!.map { "\($0.file)=\($0.value)" }
        #expect(created == ["memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=67108864"])
        r.memorySwap = -1
        let updated = Cgroups.limitSettings(r, v2: false, explicit: true)
        #expect(updated["memory"]!.map { "\($0.file)=\($0.value)" }
            == ["memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=-1"])
        // explicit: the unset limits written as unlimited
        #expect(updated["pids"]!.map(\.value) == ["2048"])
        #expect(updated["cpu"]!.map { "\($0.file)=\($0.value)" } == ["cpu.cfs_quota_us=-1", "cpu.shares=1024"])
        #expect(Cgroups.limitSettings(Resources(), v2: false)["cpu"] == nil)
    }

    @Test func v2Files() {
        var r = resources(memory: 64 << 20, swap: 96 << 20)
        r.cpus = 1.5
        r.cpuShares = 1024
        r.pidsLimit = nil
        let s = Cgroups.limitSettings(r, v2: true, explicit: true)
        #expect(s["memory"]!.map { "\($0.file)=\($0.value)" } == ["memory.max=67108864", "memory.swap.max=33554432"])
        #expect(s["cpu"]!.map { "\($0.file)=\($0.value)" } == ["cpu.max=150000 100000", "cpu.weight=39"])
        #expect(s["pids"]!.map(\.value) == ["max"])
        #expect(s["cpuset"]!.map { "\($0.file)=\($0.value)" } == ["cpuset.cpus="])
    }
}
