import Glibc
import Testing
@testable import HiveBuild
@testable import HiveCLI
import HiveOCI
import HivePlatform
@testable import HiveRuntime

@Suite struct ErrorMappingTests {
    @Test func exitStatusByCode() {
        for code in HiveError.Code.allCases {
            let want: Int32 = code == .cannotInvoke ? 126 : code == .commandNotFound ? 127 : 125
            #expect(ErrorMapping.exitStatus(code) == want, "\(code)")
            #expect(ErrorMapping.exitStatus(HiveError(code, "x")) == want)
        }
    }

    @Test func causeChain() {
        let root = HiveError(.io, "cannot open /x", cause: "No such file or directory")
        let mid = HiveError(.corrupt, "cannot read layer", cause: root)
        let top = HiveError(.invalidArgument, "cannot load image.tar", cause: mid)
        #expect(top.description == "cannot load image.tar: cannot read layer: cannot open /x: No such file or directory")
        #expect(ErrorMapping.message(top) == top.description)
        #expect(top.causes.count == 3)
        #expect((top.causes.last as? HiveError.Text)?.text == "No such file or directory")
        // the status comes from the outer error's code, not its causes'
        #expect(ErrorMapping.exitStatus(HiveError(.io, "start", cause: HiveError(.commandNotFound, "x"))) == 125)
        // string causes and none
        #expect(HiveError(.notFound, "m", cause: nil).description == "m")
        #expect(HiveError(.notFound, "m", cause: "c").description == "m: c")
        // a foreign cause reads as its description, a convertible one as its HiveError
        #expect(HiveError(.invalid, "bad", cause: DigestError.invalid("x")).description
                == "bad: invalid digest \"x\" (expected sha256: and 64 lowercase hex digits)")
        #expect(HiveError.errno("cannot open /nope", ENOENT).description == "cannot open /nope: No such file or directory")
    }

    /// Every error type of hive's own: the message is what it said before
    /// (its description, which bats tests check), the status 125 unless a
    /// container's command could not be run.
    @Test func foreignErrors() throws {
        let cases: [(any Error, Int32, HiveError.Code)] = [
            (ReferenceError.empty, 125, .invalidArgument),
            (ReferenceError.invalid("A", "uppercase"), 125, .invalidArgument),
            (DigestError.unsupportedAlgorithm("md5"), 125, .invalidArgument),
            (JSONValue.ParseError(offset: 3, reason: "unexpected end"), 125, .corrupt),
            (DockerfileError("Dockerfile:3: unknown instruction: FOO", line: 3), 125, .invalidArgument),
            (ParseError(message: "unterminated heredoc", startLine: 2, endLine: 4), 125, .invalidArgument),
            (ShellLex.Error(message: "bad substitution"), 125, .invalidArgument),
            (LaunchError(message: "pivot_root: Operation not permitted", exitCode: 125), 125, .io),
            (LaunchError(message: "/etc/passwd: permission denied", exitCode: 126), 126, .cannotInvoke),
            (LaunchError(message: "nosuch: executable file not found in $PATH", exitCode: 127), 127, .commandNotFound),
        ]
        for (error, status, code) in cases {
            #expect(error is HiveErrorConvertible, "\(type(of: error))")
            #expect(ErrorMapping.message(error) == "\(error)", "\(type(of: error))")
            #expect(ErrorMapping.exitStatus(error) == status, "\(error)")
            #expect(HiveError.from(error).code == code, "\(error)")
        }
        // a resolution failure says which path and why
        let r = ResolveError(ENOENT, ["etc", "missing"])
        #expect(ErrorMapping.message(r) == "cannot resolve /etc/missing: No such file or directory")
        #expect(HiveError.from(r).code == .notFound)
        #expect(HiveError.from(ResolveError(ELOOP, ["a"])).code == .invalidArgument)
    }

    @Test func unknownErrorsAreInternal() {
        struct Odd: Error, CustomStringConvertible { var description: String { "odd thing" } }
        #expect(ErrorMapping.message(Odd()) == "odd thing")
        #expect(ErrorMapping.exitStatus(Odd()) == 125)
        #expect(HiveError.from(Odd()).code == .internal)
    }
}

@Suite struct LoggerTests {
    @Test func levelsAndLines() {
        var lines: [String] = []
        let log = Logger(level: Logger.Level("info")) { lines.append($0) }
        log.debug("hidden")
        log.info("shown")
        log.warn("careful")
        log.error("broken")
        log.line("hive: warning: always")
        #expect(lines == ["hive: info: shown", "hive: warning: careful", "hive: error: broken", "hive: warning: always"])
        #expect(Logger.Level("trace") == .debug)
        #expect(Logger.Level("panic") == .error)
        #expect(Logger.Level("bogus") == .warn)
        var built = false
        Logger(level: .error) { _ in }.debug({ built = true; return "x" }())
        #expect(!built, "a dropped line's text is never built")
    }
}
