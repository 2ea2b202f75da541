// Inputs the fuzz targets (Fuzz/, `make fuzz`) once failed on, kept in
// Fuzz/regressions/<target>/ and held to the same invariants here.
import HiveOCI
import HivePlatform
import Testing

enum FuzzRegressions {
    static func inputs(_ target: String, file: String = #filePath) -> [(String, [UInt8])] {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)  // Tests/<target>/<file>
        let dir = parts.joined(separator: "/") + "/Fuzz/regressions/" + target
        return Files.names(in: dir).sorted().compactMap { n in Files.read(dir + "/" + n).map { (n, $0) } }
    }
}

@Suite struct FuzzRegressionTests {
    struct Wrapped: Decodable {
        let v: JSONValue
        init(from d: any Decoder) throws { v = try JSONValue(from: d) }
    }

    @Test func jsonInputs() {
        let inputs = FuzzRegressions.inputs("fuzz-json")
        #expect(!inputs.isEmpty)
        for (name, b) in inputs {
            let fast = try? JSONValue.parse(b)
            #expect((fast != nil) == ((try? JSONValue.validate(b)) != nil), "\(name)")
            #expect(fast != nil || (try? JSONCoding.decode(Wrapped.self, from: b)) == nil, "\(name): Foundation accepted what parse refused")
            if let fast { #expect((try? JSONValue.parse(Array(fast.serialized().utf8))) == fast, "\(name)") }
        }
    }

    @Test func nonFiniteDoublesSerializeAsNull() {
        #expect(JSONValue.array([.double(.infinity), .double(-.infinity), .double(.nan)]).serialized() == "[null,null,null]")
    }

    @Test func familiarNamesNeverNameAnotherRegistry() throws {
        let r = try Reference(parsing: "index.docker.io/user.docker.io/u/a")
        #expect(r.familiar == "docker.io/user.docker.io/u/a:latest")
        #expect(try Reference(parsing: r.familiar) == r)
        #expect(try Reference(parsing: "docker.io/localhost/x").familiar == "docker.io/localhost/x:latest")
        #expect(try Reference(parsing: "user/app:1").familiar == "user/app:1")
        #expect(try Reference(parsing: "busybox").familiar == "busybox:latest")
    }

    @Test func referenceInputs() {
        let inputs = FuzzRegressions.inputs("fuzz-reference")
        #expect(!inputs.isEmpty)
        for (name, b) in inputs {
            guard let r = try? Reference(parsing: String(decoding: b, as: UTF8.self)) else { continue }
            #expect((try? Reference(parsing: r.description)) == r, "\(name)")
            #expect((try? Reference(parsing: r.familiar)) == r, "\(name)")
        }
    }
}
