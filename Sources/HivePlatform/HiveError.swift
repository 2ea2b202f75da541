// The one error type of hive (STYLE.md 8). Exit codes are chosen only at the
// CLI boundary; the message says what failed, on what, and what to do.
#if canImport(Glibc)
import Glibc
#endif

public struct HiveError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case invalidArgument   // bad flag value, bad reference, bad input format
        case notFound          // image, layer, blob, file
        case conflict          // name in use, image in use, ambiguous ID
        case corrupt           // digest mismatch, truncated or malformed archive
        case unsafeContent     // hostile archive entry
        case denied            // refused by a policy hook
        case io                // system call failure
        case `internal`
    }

    public let code: Code
    public let message: String
    public let cause: String?
    /// The CLI's exit status for this error (125 unless a container could not be started: 126, 127).
    public var exitCode: Int32 = 125

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public func withExitCode(_ c: Int32) -> HiveError {
        var e = self
        e.exitCode = c
        return e
    }

    public var description: String {
        if let cause { return message + ": " + cause }
        return message
    }

    /// An error from a failed system call, with errno's text.
    public static func errno(_ what: String, _ err: Int32 = Glibc.errno) -> HiveError {
        HiveError(.io, what, cause: String(cString: strerror(err)))
    }
}
