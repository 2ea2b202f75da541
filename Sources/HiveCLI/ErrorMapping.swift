// Errors to what the user sees, in one place (STYLE.md 8): "hive: message"
// on stderr and an exit status chosen from the error's code, as Docker and
// Podman choose them: 126 a container's command cannot be invoked, 127 it
// was not found, 125 any other failure of hive itself. Every error type
// maps: a HiveError by its code and its message with its causes, a type of
// its own through HiveErrorConvertible, anything else as `.internal`.
import HivePlatform

enum ErrorMapping {
    /// The exit status for an error of this code.
    static func exitStatus(_ code: HiveError.Code) -> Int32 {
        switch code {
        case .cannotInvoke: return 126
        case .commandNotFound: return 127
        case .invalidArgument, .notFound, .conflict, .corrupt, .unsafeContent, .denied, .unavailable, .auth, .timeout, .io, .internal:
            return 125
        }
    }

    /// The exit status for any error.
    static func exitStatus(_ error: any Error) -> Int32 { exitStatus(HiveError.from(error).code) }

    /// A verb's own failure status (CommandDef.failureStatus: `login` and
    /// `logout` exit 1, as Docker's), else the error's.
    static func exitStatus(_ error: any Error, verbStatus: Int32?) -> Int32 { verbStatus ?? exitStatus(error) }

    /// What follows "hive: " on stderr: the message, then its causes.
    static func message(_ error: any Error) -> String { HiveError.render(error) }
}
