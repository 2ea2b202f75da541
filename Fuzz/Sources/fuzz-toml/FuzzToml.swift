// The TOML reader of hive.toml. Invariant: what it reads serializes as JSON.
import FuzzSupport
import HiveOCI
import HivePlatform

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToml(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let doc = try? Toml.parse(Fuzz.text(data, size), file: "fuzz.toml") else { return 0 }
    // TOML's floats (1.0, -0.0, inf, nan) come back from JSON as integers or
    // null: the check is that what hive prints of it is JSON.
    for indent in [nil, "  "] as [String?] {
        let text = JSONValue.object(doc).serialized(indent: indent)
        Fuzz.check((try? JSONValue.parse(Array(text.utf8))) != nil, "TOML value serializes as invalid JSON: \(text.prefix(200))")
    }
    return 0
}
