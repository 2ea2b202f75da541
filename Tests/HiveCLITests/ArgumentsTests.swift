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

@Suite struct TemplateTests {
    let row = JSONValue.object([
        "ID": .string("abc"), "Size": .int(3), "Labels": .object(["k": .string("v")]),
        "Tags": .array([.string("a"), .string("b")]), "Empty": .array([]), "Nested": .object(["X": .object(["Y": .string("z")])]),
    ])

    func render(_ t: String) throws -> String { try Template(t).render(row) }

    @Test func fieldsFunctionsAndEscapes() throws {
        #expect(try render("{{.ID}}\\t{{.Size}}") == "abc\t3")
        #expect(try render("{{.Nested.X.Y}}") == "z")
        #expect(try render("{{json .Labels}}") == #"{"k":"v"}"#)
        #expect(try render("{{index .Labels \"k\"}}") == "v")
        #expect(try render("{{join .Tags \",\"}}") == "a,b")
        #expect(try render("{{upper .ID}} {{lower \"X\"}} {{.ID | upper}}") == "ABC x ABC")
        #expect(try render("{{printf \"%s-%s\" .ID .Size}}") == "abc-3")
        #expect(try render("{{.Tags}} {{.Labels}}") == "[a b] map[k:v]")
        #expect(try render("{{len .Tags}}") == "2")
    }

    @Test func controlFlow() throws {
        #expect(try render("{{range .Tags}}<{{.}}>{{end}}") == "<a><b>")
        #expect(try render("{{range .Empty}}x{{else}}none{{end}}") == "none")
        #expect(try render("{{if .Empty}}y{{else}}n{{end}}{{if .ID}}Y{{end}}") == "nY")
        #expect(try render("{{with .Nested.X}}{{.Y}}{{end}}") == "z")
        #expect(try render("{{if eq .ID \"abc\"}}same{{end}}{{if not .Empty}}!{{end}}") == "same!")
    }

    @Test func errors() {
        #expect(throws: (any Error).self) { try render("{{.Missing}}") }
        #expect(throws: (any Error).self) { try Template("{{.ID") }
        #expect(throws: (any Error).self) { try Template("{{nosuchfn .ID}}") }
        #expect(throws: (any Error).self) { try Template("{{range .Tags}}x") }
        #expect(throws: (any Error).self) { try Template("{{end}}") }
    }

    @Test func tableAlignment() {
        let lines = TabWriter.align(["REPOSITORY\tTAG\tSIZE", "busybox\tlatest\t1MB", "a-much-longer-name\tv1\t2MB"])
        #expect(lines[0] == "REPOSITORY           TAG       SIZE")
        #expect(lines[1] == "busybox              latest    1MB")
        #expect(lines[2] == "a-much-longer-name   v1        2MB")
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
