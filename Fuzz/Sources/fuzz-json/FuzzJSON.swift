// The JSON reader: JSONValue.parse (the fast path for image configs),
// JSONValue.validate, and JSONCoding.decode (Foundation behind the strict
// check: manifests, indexes, archive manifests, configs).
// Invariants: parse and validate accept the same documents; a parsed document
// serializes to JSON that parses back to the same value; Foundation's reader
// never accepts what parse refuses.
import FuzzSupport
import HiveOCI
import HivePlatform

struct Wrapped: Decodable {
    let v: JSONValue
    init(from d: any Decoder) throws { v = try JSONValue(from: d) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let b = Fuzz.bytes(data, size)
    let fast = try? JSONValue.parse(b)
    let valid = (try? JSONValue.validate(b)) != nil
    Fuzz.check((fast != nil) == valid, "JSONValue.parse \(fast == nil ? "refused" : "accepted"), validate \(valid ? "accepted" : "refused")")
    let slow = try? JSONCoding.decode(Wrapped.self, from: b)
    Fuzz.check(fast != nil || slow == nil, "JSONCoding.decode accepted what JSONValue.parse refused")
    decodeOCI(b)
    guard let fast else { return 0 }
    for indent in [nil, "  "] as [String?] {
        let text = fast.serialized(indent: indent)
        let again = try? JSONValue.parse(Array(text.utf8))
        Fuzz.check(again == fast, "serialized form does not parse back to the same value: \(text.prefix(200))")
    }
    _ = ImageConfig.fast(b)
    return 0
}

/// The documents `hive load` and the store decode, read straight from the input.
@inline(never) func decodeOCI(_ b: [UInt8]) {
    _ = try? JSONCoding.decode(Index.self, from: b)
    _ = try? JSONCoding.decode(Manifest.self, from: b)
    _ = try? JSONCoding.decode([DockerArchiveEntry].self, from: b)
    _ = try? JSONCoding.decode(ImageConfig.self, from: b)
}
