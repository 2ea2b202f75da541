// The Dockerfile parser (BuildKit's grammar: line continuations, heredocs,
// directives, JSON forms, flags) and the instruction layer on top of it.
import FuzzSupport
import HiveBuild

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDockerfile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    if let r = try? DockerfileParser.parse(text) {
        for n in r.root.children { _ = n.dump() }
    }
    _ = try? Dockerfile.parse(text)
    return 0
}
