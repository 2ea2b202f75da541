// Go's fmt for template values (fmt/print.go, fmt/format.go): print,
// println and printf with Go's verbs, flags, widths, precisions, `*`,
// argument indexes `%[2]d`, and Go's error forms (`%!d(string=x)`,
// `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`). Values are JSON's:
// ints are Go ints, doubles float64, arrays []interface {}, objects
// map[string]interface {}, null a nil interface.
import HivePlatform

enum GoFormat {
    static func typeName(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "<nil>"
        case .bool?: return "bool"
        case .int?: return "int"
        case .double?: return "float64"
        case .string?: return "string"
        case .array?: return "[]interface {}"
        case .object?: return "map[string]interface {}"
        }
    }

    /// fmt.Sprint: spaces between operands when neither is a string.
    static func sprint(_ args: [JSONValue?]) -> String {
        var p = Printer()
        var prevString = false
        for (i, a) in args.enumerated() {
            var isString = false
            if case .string? = a { isString = true }
            if i > 0 && !isString && !prevString { p.buf.append(32) }
            p.printArg(a, "v")
            prevString = isString
        }
        return p.string
    }

    /// fmt.Sprintln: spaces between all operands, a newline after.
    static func sprintln(_ args: [JSONValue?]) -> String {
        var p = Printer()
        for (i, a) in args.enumerated() {
            if i > 0 { p.buf.append(32) }
            p.printArg(a, "v")
        }
        p.buf.append(10)
        return p.string
    }

    /// A value as an action prints it (`%v`); strings and ints without the printer.
    static func appendValue(_ v: JSONValue, to out: inout String) {
        switch v {
        case .string(let s): out += s
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        default:
            var p = Printer()
            p.printArg(v, "v")
            out += p.string
        }
    }

    static func sprintf(_ format: String, _ args: [JSONValue?]) -> String {
        var p = Printer()
        p.doPrintf(Array(format.utf8), args)
        return p.string
    }

    // MARK: the printer

    struct Printer {
        var buf: [UInt8] = []
        var plus = false, minus = false, sharp = false, space = false, zero = false
        var plusV = false, sharpV = false
        var wid = 0, widPresent = false, prec = 0, precPresent = false
        var reordered = false, goodArgNum = true

        var string: String { String(decoding: buf, as: UTF8.self) }

        mutating func clearFlags() {
            plus = false; minus = false; sharp = false; space = false; zero = false
            plusV = false; sharpV = false
            wid = 0; widPresent = false; prec = 0; precPresent = false
        }

        mutating func write(_ s: String) { buf.append(contentsOf: s.utf8) }

        static func tooLarge(_ n: Int) -> Bool { n > 1_000_000 || n < -1_000_000 }

        /// Digits at `i` up to `end`: the number, whether there was one, the index after.
        static func parseNum(_ f: [UInt8], _ start: Int, _ end: Int) -> (Int, Bool, Int) {
            var i = start, num = 0, found = false
            while i < end, f[i] >= 48, f[i] <= 57 {
                if tooLarge(num) { return (0, false, end) }
                num = num * 10 + Int(f[i] - 48)
                found = true
                i += 1
            }
            return (num, found, i)
        }

        /// `[n]` at `i`: the argument index it names.
        mutating func argNumber(_ argNum: Int, _ f: [UInt8], _ i: Int, _ numArgs: Int) -> (Int, Int, Bool) {
            guard i < f.count, f[i] == UInt8(ascii: "[") else { return (argNum, i, false) }
            reordered = true
            var index = 0, width = 1, ok = false
            if f.count - i >= 3 {
                var j = i + 1
                while j < f.count, f[j] != UInt8(ascii: "]") { j += 1 }
                if j < f.count {
                    let (n, found, after) = Printer.parseNum(f, i + 1, j)
                    width = j - i + 1
                    if found && after == j {
                        index = n - 1
                        ok = true
                    }
                }
            }
            if ok && index >= 0 && index < numArgs { return (index, i + width, true) }
            goodArgNum = false
            return (argNum, i + width, ok)
        }

        static func intFromArg(_ a: [JSONValue?], _ argNum: Int) -> (Int, Bool, Int) {
            guard argNum < a.count else { return (0, false, argNum) }
            if case .int(let n)? = a[argNum], let v = Int(exactly: n), !tooLarge(v) { return (v, true, argNum + 1) }
            return (0, false, argNum + 1)
        }

        mutating func doPrintf(_ f: [UInt8], _ a: [JSONValue?]) {
            let end = f.count
            var argNum = 0
            var afterIndex = false
            reordered = false
            var i = 0
            formatLoop: while i < end {
                goodArgNum = true
                let last = i
                while i < end && f[i] != UInt8(ascii: "%") { i += 1 }
                if i > last { buf.append(contentsOf: f[last..<i]) }
                if i >= end { break }
                i += 1  // the %
                clearFlags()
                simple: while i < end {
                    let c = f[i]
                    switch c {
                    case UInt8(ascii: "#"): sharp = true
                    case UInt8(ascii: "0"): zero = !minus
                    case UInt8(ascii: "+"): plus = true
                    case UInt8(ascii: "-"):
                        minus = true
                        zero = false
                    case UInt8(ascii: " "): space = true
                    default:
                        // the common case: a lower-case verb with no width or precision
                        if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") && argNum < a.count {
                            if c == UInt8(ascii: "v") {
                                sharpV = sharp; sharp = false
                                plusV = plus; plus = false
                            }
                            printArg(a[argNum], Unicode.Scalar(c))
                            argNum += 1
                            i += 1
                            continue formatLoop
                        }
                        break simple
                    }
                    i += 1
                }
                (argNum, i, afterIndex) = argNumber(argNum, f, i, a.count)
                if i < end && f[i] == UInt8(ascii: "*") {
                    i += 1
                    (wid, widPresent, argNum) = Printer.intFromArg(a, argNum)
                    if !widPresent { write("%!(BADWIDTH)") }
                    if wid < 0 {
                        wid = -wid
                        minus = true
                        zero = false
                    }
                    afterIndex = false
                } else {
                    (wid, widPresent, i) = Printer.parseNum(f, i, end)
                    if afterIndex && widPresent { goodArgNum = false }
                }
                if i + 1 < end && f[i] == UInt8(ascii: ".") {
                    i += 1
                    if afterIndex { goodArgNum = false }
                    (argNum, i, afterIndex) = argNumber(argNum, f, i, a.count)
                    if i < end && f[i] == UInt8(ascii: "*") {
                        i += 1
                        (prec, precPresent, argNum) = Printer.intFromArg(a, argNum)
                        if prec < 0 {
                            prec = 0
                            precPresent = false
                        }
                        if !precPresent { write("%!(BADPREC)") }
                        afterIndex = false
                    } else {
                        (prec, precPresent, i) = Printer.parseNum(f, i, end)
                        if !precPresent {
                            prec = 0
                            precPresent = true
                        }
                    }
                }
                if !afterIndex { (argNum, i, afterIndex) = argNumber(argNum, f, i, a.count) }
                if i >= end {
                    write("%!(NOVERB)")
                    break
                }
                var it = f[i...].makeIterator()
                var dec = UTF8()
                var verb: Unicode.Scalar = "\u{FFFD}"
                if case .scalarValue(let s) = dec.decode(&it) { verb = s }
                i += max(1, UTF8.width(verb))
                if verb == "%" {
                    buf.append(UInt8(ascii: "%"))
                } else if !goodArgNum {
                    write("%!" + String(verb) + "(BADINDEX)")
                } else if argNum >= a.count {
                    write("%!" + String(verb) + "(MISSING)")
                } else {
                    if verb == "v" {
                        sharpV = sharp; sharp = false
                        plusV = plus; plus = false
                    }
                    printArg(a[argNum], verb)
                    argNum += 1
                }
            }
            if !reordered && argNum < a.count {
                clearFlags()
                write("%!(EXTRA ")
                for (k, arg) in a[argNum...].enumerated() {
                    if k > 0 { write(", ") }
                    if let arg, arg != .null {
                        write(GoFormat.typeName(arg) + "=")
                        printArg(arg, "v")
                    } else {
                        write("<nil>")
                    }
                }
                buf.append(UInt8(ascii: ")"))
            }
        }

        // MARK: values

        mutating func printArg(_ arg: JSONValue?, _ verb: Unicode.Scalar) {
            guard let arg, arg != .null else {
                if verb == "T" || verb == "v" { padString("<nil>") } else { badVerb(verb, nil) }
                return
            }
            if verb == "T" {
                fmtS(GoFormat.typeName(arg))
                return
            }
            printValue(arg, verb, depth: 0)
        }

        mutating func printValue(_ v: JSONValue, _ verb: Unicode.Scalar, depth: Int) {
            switch v {
            case .null: write(sharpV ? "interface {}(nil)" : "<nil>")
            case .bool(let b):
                if verb == "t" || verb == "v" { padString(b ? "true" : "false") } else { badVerb(verb, v) }
            case .int(let n): fmtInteger(n, verb)
            case .double(let d): fmtFloat(d, verb)
            case .string(let s): fmtString(s, verb)
            case .array(let a):
                write(sharpV ? "[]interface {}{" : "[")
                for (k, e) in a.enumerated() {
                    if k > 0 { write(sharpV ? ", " : " ") }
                    printValue(e, verb, depth: depth + 1)
                }
                write(sharpV ? "}" : "]")
            case .object(let o):
                write(sharpV ? "map[string]interface {}{" : "map[")
                for (k, key) in o.keys.sorted(by: utf8Precedes).enumerated() {
                    if k > 0 { write(sharpV ? ", " : " ") }
                    fmtString(key, verb)
                    buf.append(UInt8(ascii: ":"))
                    printValue(o[key]!, verb, depth: depth + 1)
                }
                write(sharpV ? "}" : "]")
            }
        }

        /// `%!verb(type=value)`.
        mutating func badVerb(_ verb: Unicode.Scalar, _ v: JSONValue?) {
            write("%!" + String(verb) + "(")
            if let v, v != .null {
                write(GoFormat.typeName(v) + "=")
                printValue(v, "v", depth: 0)
            } else {
                write("<nil>")
            }
            buf.append(UInt8(ascii: ")"))
        }

        mutating func fmtString(_ s: String, _ verb: Unicode.Scalar) {
            switch verb {
            case "v": if sharpV { fmtQ(s) } else { fmtS(s) }
            case "s": fmtS(s)
            case "x", "X": fmtSx(s, upper: verb == "X")
            case "q": fmtQ(s)
            default: badVerb(verb, .string(s))
            }
        }

        func truncate(_ s: String) -> String {
            guard precPresent, s.unicodeScalars.count > prec else { return s }
            return String(String.UnicodeScalarView(s.unicodeScalars.prefix(prec)))
        }

        mutating func fmtS(_ s: String) { padString(truncate(s)) }

        mutating func fmtQ(_ s: String) {
            let s = truncate(s)
            if sharp && GoFormat.canBackquote(s) {
                padString("`" + s + "`")
                return
            }
            padString(GoFormat.quote(s, ascii: plus))
        }

        mutating func fmtSx(_ s: String, upper: Bool) {
            let digits = Array((upper ? "0123456789ABCDEFX" : "0123456789abcdefx").utf8)
            var length = s.utf8.count
            if precPresent && prec < length { length = prec }
            var width = 2 * length
            guard width > 0 else {
                if widPresent { writePadding(wid) }
                return
            }
            if space {
                if sharp { width *= 2 }
                width += length - 1
            } else if sharp {
                width += 2
            }
            if widPresent && wid > width && !minus { writePadding(wid - width) }
            if sharp { buf += [UInt8(ascii: "0"), digits[16]] }
            for (k, c) in s.utf8.prefix(length).enumerated() {
                if space && k > 0 {
                    buf.append(32)
                    if sharp { buf += [UInt8(ascii: "0"), digits[16]] }
                }
                buf += [digits[Int(c >> 4)], digits[Int(c & 0xF)]]
            }
            if widPresent && wid > width && minus { writePadding(wid - width) }
        }

        // MARK: padding

        mutating func writePadding(_ n: Int) {
            guard n > 0 else { return }
            buf.append(contentsOf: repeatElement(zero ? UInt8(ascii: "0") : 32, count: n))
        }

        /// Pads to the width, counting runes.
        mutating func pad(_ b: [UInt8]) {
            guard widPresent && wid != 0 else {
                buf += b
                return
            }
            let width = wid - b.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            if !minus {
                writePadding(width)
                buf += b
            } else {
                buf += b
                writePadding(width)
            }
        }

        mutating func padString(_ s: String) { pad(Array(s.utf8)) }
    }
}
