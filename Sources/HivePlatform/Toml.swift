// The TOML 1.0.0 reader of hive.toml (https://toml.io/en/v1.0.0): keys
// (bare, quoted, dotted), tables, inline tables, arrays of tables, the four
// kinds of strings, integers, floats, booleans and the four kinds of dates and
// times, with the specification's redefinition rules. It passes toml-test
// (Tests/HiveHooksTests/TomlSuiteTests.swift). Every refused document is one
// HiveError(.invalidArgument, "FILE:LINE: what is wrong").
//
// Its own reader rather than TOMLKit: TOMLKit 0.6.0 imports Foundation (Data,
// Date, Calendar) and wraps toml++ in C++, and `hive run` reads hive.toml.

public enum Toml {
    /// Reads a document into typed values.
    public static func read(_ bytes: [UInt8], file: String) throws(HiveError) -> [String: TomlValue] {
        var p = Parser(bytes: bytes, file: file)
        return try p.document()
    }

    public static func read(_ text: String, file: String) throws(HiveError) -> [String: TomlValue] {
        try read(Array(text.utf8), file: file)
    }

    /// Reads a document as JSON values (what HiveConfig and the hooks' plugin
    /// settings consume): dates and times become their text.
    public static func parse(bytes: [UInt8], file: String) throws(HiveError) -> [String: JSONValue] {
        try read(bytes, file: file).mapValues(\.json)
    }

    public static func parse(_ text: String, file: String) throws(HiveError) -> [String: JSONValue] {
        try parse(bytes: Array(text.utf8), file: file)
    }
}

/// A TOML value. Tables are unordered, as TOML's are.
public enum TomlValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case datetime(TomlDateTime)
    case array([TomlValue])
    case table([String: TomlValue])

    /// The JSON form: a date or time is its canonical text, nan is printed as null.
    public var json: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .integer(let i): return .int(i)
        case .float(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .datetime(let d): return .string(d.text)
        case .array(let a): return .array(a.map(\.json))
        case .table(let t): return .object(t.mapValues(\.json))
        }
    }
}

/// A date, a time or both, as written, checked (month lengths, leap years,
/// hours, offsets) and kept as text in RFC 3339 form: `T` between date and
/// time, upper-case `Z`, the fraction of a second as written.
public struct TomlDateTime: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case offsetDateTime = "datetime"
        case localDateTime = "datetime-local"
        case localDate = "date-local"
        case localTime = "time-local"
    }

    public var kind: Kind
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}
