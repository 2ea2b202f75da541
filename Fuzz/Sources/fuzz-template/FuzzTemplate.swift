// The `--format` template engine. The input is a template, optionally
// followed by a NUL and a JSON document to render (else a container-like one).
import FuzzSupport
import HiveOCI
import HivePlatform
@testable import HiveCLI

let sample = try! JSONValue.parse(Array("""
    {"ID":"abc","Names":["web"],"Labels":{"a":"1","b":""},"State":{"Running":true,"Pid":42},
     "Ports":[{"PrivatePort":80,"Type":"tcp"}],"Size":1.5,"Empty":[],"Nil":null,"Mounts":{}}
    """.utf8))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (t, rest) = Fuzz.split(Fuzz.bytes(data, size))
    let value = rest.flatMap { try? JSONValue.parse($0) } ?? sample
    guard let template = try? Template(String(decoding: t, as: UTF8.self)) else { return 0 }
    _ = template.fieldNames
    _ = try? template.render(value)
    return 0
}
