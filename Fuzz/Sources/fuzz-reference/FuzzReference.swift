// Image references (every `run`, `pull`, `tag`, and the tags inside archives).
// Invariants: a parsed reference prints as plain ASCII from the grammar's
// alphabet and parses back to itself, in full and in Docker's familiar form.
import FuzzSupport
import HiveOCI

let alphabet = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@[]".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReference(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    for defaultTag in [true, false] {
        guard let r = try? Reference(parsing: text, defaultTag: defaultTag) else { continue }
        Fuzz.check(r.description.utf8.allSatisfy(alphabet.contains), "\(r.description) has characters outside the grammar")
        Fuzz.check((try? Reference(parsing: r.description, defaultTag: defaultTag)) == r, "\(r.description) does not parse back")
        Fuzz.check((try? Reference(parsing: r.familiar, defaultTag: defaultTag)) == r, "\(r.familiar) does not parse back")
    }
    return 0
}
