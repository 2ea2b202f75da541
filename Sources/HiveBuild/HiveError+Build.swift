// The Dockerfile parser's and the shell lexer's errors as HiveErrors (the
// CLI maps them by code; the messages are their descriptions, unchanged).
import HivePlatform

extension DockerfileError: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(.invalidArgument, description) }
}

extension ParseError: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(.invalidArgument, description) }
}

extension ShellLex.Error: HiveErrorConvertible {
    public var hiveError: HiveError { HiveError(.invalidArgument, description) }
}
