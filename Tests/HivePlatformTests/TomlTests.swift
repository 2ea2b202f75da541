// The TOML reader as a pure function: typed values, the shapes hive.toml's
// next sections use ([[registries.mirror]]), the redefinition rules, and
// errors naming file:line. toml-test itself runs in TomlSuiteTests.
import Testing

@testable import HivePlatform

@Suite struct TomlTests {
    func read(_ text: String) throws(HiveError) -> [String: TomlValue] { try Toml.read(text, file: "t.toml") }

    /// The message of the error `text` is refused with.
    func refusal(_ text: String) -> String? {
        do { _ = try read(text); return nil } catch { return error.message }
    }

    @Test func typedScalars() throws {
        let doc = try read("""
            s = "a\\tb\\u00e9\\U0001F600"
            lit = 'C:\\path'
            int = 0x10_00
            big = 9_223_372_036_854_775_807
            min = -9223372036854775808
            oct = 0o755
            bin = 0b1010
            f = 6.626e-34
            neg0 = -0.0
            yes = true
            odt = 1979-05-27 07:32:00.5z
            ldt = 1979-05-27t07:32:00
            ld = 1979-05-27
            lt = 07:32:00.999
            """)
        #expect(doc["s"] == .string("a\tb\u{e9}\u{1F600}"))
        #expect(doc["lit"] == .string("C:\\path"))
        #expect(doc["int"] == .integer(0x1000))
        #expect(doc["big"] == .integer(.max) && doc["min"] == .integer(.min))
        #expect(doc["oct"] == .integer(0o755) && doc["bin"] == .integer(10))
        #expect(doc["f"] == .float(6.626e-34))
        guard case .float(let z)? = doc["neg0"] else { Issue.record("neg0"); return }
        #expect(z == 0 && z.sign == .minus)
        #expect(doc["yes"] == .bool(true))
        #expect(doc["odt"] == .datetime(TomlDateTime(kind: .offsetDateTime, text: "1979-05-27T07:32:00.5Z")))
        #expect(doc["ldt"] == .datetime(TomlDateTime(kind: .localDateTime, text: "1979-05-27T07:32:00")))
        #expect(doc["ld"] == .datetime(TomlDateTime(kind: .localDate, text: "1979-05-27")))
        #expect(doc["lt"] == .datetime(TomlDateTime(kind: .localTime, text: "07:32:00.999")))
    }

    @Test func multiLineStrings() throws {
        let doc = try read("a = \"\"\"\nline \\\n    joined\"\"\"\"\"\nb = '''\r\nx''y'''\n")
        #expect(doc["a"] == .string("line joined\"\""))
        #expect(doc["b"] == .string("x''y"))
    }

    @Test func arraysOfTablesAndSubTables() throws {
        let doc = try read("""
            [registries]
            default = "docker.io"

            [[registries.mirror]]
            host = "mirror-a"
            [registries.mirror.auth]
            user = "u"

            [[registries.mirror]]
            host = "mirror-b"
            tls = { verify = false, ca.file = "/ca.pem" }
            """)
        let want: TomlValue = .table([
            "default": .string("docker.io"),
            "mirror": .array([
                .table(["host": .string("mirror-a"), "auth": .table(["user": .string("u")])]),
                .table(["host": .string("mirror-b"), "tls": .table(["verify": .bool(false), "ca": .table(["file": .string("/ca.pem")])])]),
            ]),
        ])
        #expect(doc["registries"] == want)
    }

    @Test func implicitTablesMayBeDefinedOnceLater() throws {
        let doc = try read("[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b.d]\n")
        #expect(doc["a"] == .table(["y": .integer(2), "b": .table(["c": .table(["x": .integer(1)]), "d": .table([:])])]))
        // dotted keys make tables that headers may add sub-tables to
        #expect(try read("[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true\n")["fruit"]
                == .table(["apple": .table(["color": .string("red"), "texture": .table(["smooth": .bool(true)])])]))
    }

    @Test func redefinitionsAreRefused() {
        for (text, want) in [
            ("a = 1\na = 2", "t.toml:2: key a is defined twice"),
            ("[a]\n[a]", "t.toml:2: table [a] is defined twice"),
            ("[a]\nb.c = 1\n[a.b]", "t.toml:3: table [a.b] is already defined by dotted keys"),
            ("[a.b]\n[a]\nb.c = 1", "t.toml:3: key b is already defined: b.c cannot extend it"),
            ("a = [1]\n[[a]]", "t.toml:2: key a is already a value, not a table"),
            ("[[a]]\n[a]", "t.toml:2: table [a] is already an array of tables"),
            ("[a]\n[[a]]", "t.toml:2: [[a]]: a is already a table, not an array of tables"),
            ("a = {b = 1}\na.c = 2", "t.toml:2: key a is already defined: a.c cannot extend it"),
            ("a = {b = 1}\n[a.c]", "t.toml:2: key a is already a value, not a table"),
            ("a = {b = {c = 1}, b.d = 2}", "t.toml:1: key b is already defined: b.d cannot extend it"),
        ] {
            #expect(refusal(text) == want, "\(text)")
        }
    }

    @Test func invalidDocumentsNameTheLine() {
        for (text, want) in [
            ("\n\nv = 0x8000_0000_0000_0000", "t.toml:3: integer 0x8000_0000_0000_0000 does not fit in 64 bits"),
            ("v = 9223372036854775808", "t.toml:1: integer 9223372036854775808 does not fit in 64 bits"),
            ("v = 1979-02-29", "t.toml:1: invalid date or time 1979-02-29"),
            ("v = 24:00:00", "t.toml:1: invalid date or time 24:00:00"),
            ("v = 01", "t.toml:1: invalid number 01"),
            ("v = hello", "t.toml:1: invalid value hello (strings need quotes)"),
            ("v = 1\u{0B}", "t.toml:1: invalid number 1U+000B"),
            ("v = \"\\uD800\"", "t.toml:1: \\u escape of D800: not a Unicode scalar value"),
            ("v = 'a\u{7F}'", "t.toml:1: control character U+007F in a string (escape it)"),
            ("# ok\r\nv = 1\rw = 2", "t.toml:2: a carriage return must be followed by a newline"),
            ("v = { a = 1, }", "t.toml:1: no comma after the last key of an inline table"),
            ("v = [\n1,\n2\n3]", "t.toml:4: expected , or ] in the array"),
            ("v = \"\"\"\n\n", "t.toml:3: unterminated string"),
        ] {
            #expect(refusal(text) == want, "\(text)")
        }
        #expect(refusal(String(repeating: "[", count: 200)).map { $0.hasPrefix("t.toml:1: expected a key") } == true)
        #expect(refusal("v = " + String(repeating: "[", count: 200)) == "t.toml:1: arrays and inline tables nested more than 128 deep")
        let bad: [UInt8] = Array("a = 1\nb = \"".utf8) + [0xC0, 0xAF] + Array("\"\n".utf8)
        for (bytes, want) in [(bad, "t.toml:2: invalid UTF-8"), ([0xED, 0xA0, 0x80], "t.toml:1: invalid UTF-8")] {
            do { _ = try Toml.read(bytes, file: "t.toml"); Issue.record("accepted \(bytes)") } catch {
                #expect(error.code == .invalidArgument && error.message == want)
            }
        }
    }

    @Test func byteOrderMarkAndLineEndings() throws {
        #expect(try Toml.read([0xEF, 0xBB, 0xBF] + Array("a = 1\r\n[t]\r\nb = 2 # c\r\n".utf8), file: "t.toml")
                == ["a": .integer(1), "t": .table(["b": .integer(2)])])
        #expect(try read("") == [:])
    }

    /// hive.toml is read as bytes: invalid UTF-8 is refused with its line, not replaced.
    @Test func hiveConfigRefusesInvalidUTF8() throws {
        let ok = try HiveConfig.parse(bytes: Array("[plugins.\"p\"]\nname = \"é\"\n".utf8), file: "hive.toml")
        #expect(ok.pluginConfig["p"]?["name"] == .string("é"))
        do {
            _ = try HiveConfig.parse(bytes: Array("[plugins.\"p\"]\nname = \"".utf8) + [0xFF] + Array("\"\n".utf8), file: "hive.toml")
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.message == "hive.toml:2: invalid UTF-8")
        }
    }

    /// What HiveConfig and the plugins' settings get: JSON values, dates as text.
    @Test func jsonForm() throws {
        let doc = try Toml.parse("[p]\nd = 2024-01-02T03:04:05+01:00\nn = [1, 2.5, 'x', true]\n[[p.l]]\n", file: "t.toml")
        #expect(doc == ["p": .object([
            "d": .string("2024-01-02T03:04:05+01:00"),
            "n": .array([.int(1), .double(2.5), .string("x"), .bool(true)]),
            "l": .array([.object([:])]),
        ])])
    }
}
