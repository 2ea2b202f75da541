import Testing
@testable import HiveCLI
import HiveOCI
import HivePlatform

@Suite struct ArgumentsTests {
    let opts: [OptionDef] = [
        .flag("all", "a", ""), .flag("quiet", "q", ""), .value("output", "o", "f", ""), .multi("filter", "f", "f", ""),
    ]

    func parse(_ a: [String], interspersed: Bool = true) throws -> ParsedArgs {
        try ArgumentParser.parse(ArraySlice(a), options: opts, interspersed: interspersed, command: "t")
    }

    @Test func shortLongCombinedAndValues() throws {
        let p = try parse(["-aq", "x", "--output=out", "-f", "a=1", "--filter", "b=2", "-ofile2", "y"])
        #expect(p.flag("all") && p.flag("quiet"))
        #expect(p.value("output") == "file2")
        #expect(p.all("filter") == ["a=1", "b=2"])
        #expect(p.positionals == ["x", "y"])
    }

    @Test func booleanValuesAndTerminator() throws {
        let p = try parse(["--all", "--all=false", "-q=true", "--", "-a", "--x"])
        #expect(!p.flag("all"))
        #expect(p.flag("quiet"))
        #expect(p.positionals == ["-a", "--x"])
    }

    @Test func nonInterspersedStopsAtFirstPositional() throws {
        let p = try parse(["-a", "image", "-q", "--all"], interspersed: false)
        #expect(p.flag("all") && !p.flag("quiet"))
        #expect(p.positionals == ["image", "-q", "--all"])
    }

    @Test func errors() {
        #expect(throws: UsageError.self) { try parse(["--nope"]) }
        #expect(throws: UsageError.self) { try parse(["-z"]) }
        #expect(throws: UsageError.self) { try parse(["--output"]) }
        #expect(throws: UsageError.self) { try parse(["-o"]) }
        #expect(throws: UsageError.self) { try parse(["--all=maybe"]) }
    }
}

@Suite struct UnitsTests {
    static let sizes: [(Int64, String)] = [
        (0, "0B"), (999, "999B"), (1000, "1kB"), (1234, "1.23kB"), (4_261_000, "4.26MB"), (123_456_789, "123MB"),
        (999_999, "1e+03kB"), (999_499, "999kB"), (1_500, "1.5kB"), (2_000_000_000, "2GB"),
    ]
    static let durations: [(Int64, String)] = [
        (0, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"), (150, "2 minutes"),
        (3600, "About an hour"), (7200, "2 hours"), (259_200, "3 days"), (1_296_000, "2 weeks"),
        (7_776_000, "3 months"), (69_120_000, "2 years"),
    ]

    @Test(arguments: sizes)
    func humanSize(_ n: Int64, _ want: String) { #expect(Units.humanSize(n) == want) }

    @Test(arguments: durations)
    func humanDuration(_ s: Int64, _ want: String) { #expect(Units.humanDuration(seconds: s) == want) }

    @Test func goTime() { #expect(Units.goTime(1_704_164_645_000_000_000) == "2024-01-02 03:04:05 +0000 UTC") }
}
