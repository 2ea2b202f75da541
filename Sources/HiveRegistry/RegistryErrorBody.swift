// The error body of the distribution spec: `{"errors":[{"code":
// "MANIFEST_UNKNOWN","message":"manifest unknown","detail":...}]}`, turned
// into words for messages. Pure.
import HivePlatform

struct RegistryErrorBody: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var code: String
        var message: String
    }
    var errors: [Entry]

    /// The entries of `bytes`, or nil when it is not the spec's error JSON.
    static func parse(_ bytes: [UInt8]) -> RegistryErrorBody? {
        guard !bytes.isEmpty, bytes.count <= 1 << 20, let doc = try? JSONValue.parse(bytes),
              let list = doc["errors"]?.arrayValue else { return nil }
        let entries = list.compactMap { e -> Entry? in
            let code = e["code"]?.stringValue ?? ""
            let message = e["message"]?.stringValue ?? ""
            return code.isEmpty && message.isEmpty ? nil : Entry(code: code, message: message)
        }
        return entries.isEmpty ? nil : RegistryErrorBody(errors: entries)
    }

    var codes: [String] { errors.map(\.code) }

    /// "manifest unknown; name unknown" (the messages, else the codes), printable only.
    var summary: String {
        let words = errors.map { $0.message.isEmpty ? $0.code.lowercased().replacingUnderscores() : $0.message }
        var seen = Set<String>()
        return String(words.filter { seen.insert($0).inserted }.joined(separator: "; ")
            .unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(300).map(Character.init))
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
