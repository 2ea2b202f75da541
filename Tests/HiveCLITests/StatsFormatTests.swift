import Testing
import HivePlatform
import HiveRuntime
@testable import HiveEngine
@testable import HiveCLI

/// `hive stats`' rows: Docker's fields and number formats.
@Suite struct StatsFormatTests {
    @Test(arguments: [(Int64(0), "0B"), (1023, "1023B"), (1294336, "1.234MiB"), (8_160_437_862, "7.6GiB"), (64 << 20, "64MiB")])
    func bytesSize(_ n: Int64, _ want: String) { #expect(Units.bytesSize(n) == want) }

    @Test func row() {
        var u = ContainerUsage()
        u.cpuNanos = 3_000_000_000
        u.memory = 1294336
        u.memoryLimit = 64 << 20
        u.netRx = 12_300
        u.netTx = 4_560
        u.blockRead = 0
        u.blockWrite = 2_000_000
        u.pids = 3
        let id = String(repeating: "0123456789ab", count: 5) + "cdef"
        var before = StatsSample(id: id, name: "web", usage: u, hostCPU: 100_000_000_000)
        before.usage.cpuNanos = 2_000_000_000
        let now = StatsSample(id: id, name: "web", usage: u, hostCPU: 100_000_000_000 + UInt64(Cgroups.onlineCPUs) * 1_000_000_000)
        let r = ContainerStats.row(given: nil, now, previous: before, noTrunc: false).objectValue!.compactMapValues(\.stringValue)
        #expect(r["ID"] == "0123456789ab")
        #expect(r["Container"] == "0123456789ab")
        #expect(r["CPUPerc"] == "100.00%")
        #expect(r["MemUsage"] == "1.234MiB / 64MiB")
        #expect(r["MemPerc"] == "1.93%")
        #expect(r["NetIO"] == "12.3kB / 4.56kB")
        #expect(r["BlockIO"] == "0B / 2MB")
        #expect(r["PIDs"] == "3")
        // the first reading and a stopped container: zeros
        let stopped = ContainerStats.row(given: "web", StatsSample(id: id, name: "web", usage: ContainerUsage(), hostCPU: 1),
                                         previous: nil, noTrunc: true).objectValue!.compactMapValues(\.stringValue)
        #expect(stopped["Container"] == "web")
        #expect(stopped["ID"] == id)
        #expect(stopped["CPUPerc"] == "0.00%")
        #expect(stopped["MemUsage"] == "0B / 0B")
        #expect(stopped["PIDs"] == "0")
    }
}
