// The launcher's error as a HiveError: its exit code (the container's status,
// recorded as such) becomes the error's code, which the CLI maps back to the
// same exit status: 126 cannot invoke, 127 command not found, 125 the rest.
import HivePlatform

extension LaunchError: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(LaunchError.code(forStatus: exitCode), message) }

    /// The error code for a launch that failed with this status.
    public static func code(forStatus status: Int32) -> HiveError.Code {
        switch status {
        case 126: return .cannotInvoke
        case 127: return .commandNotFound
        default: return .io
        }
    }
}
