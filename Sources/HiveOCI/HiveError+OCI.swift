// The spec types' own errors as HiveErrors (the CLI maps them by code; the
// messages are their descriptions, unchanged).
import HivePlatform

extension ReferenceError: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(.invalidArgument, description) }
}

extension DigestError: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(.invalidArgument, description) }
}
