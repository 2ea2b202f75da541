// The one error type of hive (STYLE.md 8): a code, a message, a cause chain.
// Exit codes are chosen only at the CLI boundary (HiveCLI's ErrorMapping),
// from the code; the message says what failed, on what, and what to do.
#if canImport(Glibc)
import Glibc
#endif

public struct HiveError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure: what a caller may branch on, and what the CLI
    /// maps to an exit status. New kinds are added as the project grows.
    public enum Code: String, Sendable, CaseIterable {
        case invalidArgument   // bad flag value, bad reference, bad input format
        case notFound          // image, layer, blob, file, container
        case conflict          // name in use, image in use, ambiguous ID, wrong state
        case corrupt           // digest mismatch, truncated or malformed archive
        case unsafeContent     // hostile archive entry
        case denied            // refused by a policy hook or by permissions
        case unavailable       // a service or resource that is not there now (registry, network)
        case auth              // credentials missing or refused
        case timeout           // a deadline passed
        case io                // system call failure
        case cannotInvoke      // a container's command could not be started (exit 126)
        case commandNotFound   // a container's command does not exist (exit 127)
        case `internal`

        /// `.invalid` reads as the kind it is; `.invalidArgument` is kept for the callers that use it.
        public static var invalid: Code { .invalidArgument }
    }

    public let code: Code
    public let message: String
    /// What this error happened because of: another HiveError (a chain), a
    /// foreign error, or a text (`Text`, e.g. strerror's or a library's).
    public let cause: (any Error)?

    /// With a text cause (strerror's, a C library's message), or none.
    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause.map(Text.init)
    }

    /// With an error as the cause: rendered after the message, "message: cause".
    public init(_ code: Code, _ message: String, cause: any Error) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// "message: cause: cause's cause...".
    public var description: String {
        guard let cause else { return message }
        return message + ": " + HiveError.render(cause)
    }

    /// The causes, nearest first (HiveErrors unwrapped; the last may be foreign or a Text).
    public var causes: [any Error] {
        var out: [any Error] = []
        var next: (any Error)? = cause
        while let e = next {
            out.append(e)
            next = (e as? HiveError)?.cause
        }
        return out
    }

    /// How any error reads in a message: a HiveError or a convertible one by
    /// its description, anything else as Swift prints it.
    public static func render(_ error: any Error) -> String {
        if let h = error as? HiveError { return h.description }
        if let c = error as? HiveErrorConvertible { return c.hiveError.description }
        return "\(error)"
    }

    /// `error` as a HiveError: itself, its conversion, or `.internal` with its text.
    public static func from(_ error: any Error) -> HiveError {
        if let h = error as? HiveError { return h }
        if let c = error as? HiveErrorConvertible { return c.hiveError }
        return HiveError(.internal, "\(error)")
    }

    /// A text cause.
    public struct Text: Error, CustomStringConvertible, Sendable, Equatable {
        public let text: String
        public init(_ text: String) { self.text = text }
        public var description: String { text }
    }

    /// An error from a failed system call, with errno's text.
    public static func errno(_ what: String, _ err: Int32 = Glibc.errno) -> HiveError {
        HiveError(.io, what, cause: String(cString: strerror(err)))
    }
}

/// An error type of its own (a parser's, the launcher's) that says which
/// HiveError it is where it leaves its module: the CLI maps every error
/// through it, so none falls through to a bare "\(error)".
public protocol HiveErrorConvertible: Error {
    var hiveError: HiveError { get }
}

extension JSONValue.ParseError: HiveErrorConvertible {
    /// A document that is not JSON: malformed input.
    public var hiveError: HiveError { HiveError(.corrupt, description) }
}

extension ResolveError: HiveErrorConvertible {
    /// "cannot resolve /a/b: No such file or directory".
    public var hiveError: HiveError {
        HiveError(errno == ENOENT ? .notFound : errno == ELOOP || errno == ENOTDIR ? .invalidArgument : .io,
                  "cannot resolve \(path)", cause: String(cString: strerror(errno)))
    }
}
