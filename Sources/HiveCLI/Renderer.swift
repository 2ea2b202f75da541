// The one renderer (STYLE.md 9): `--format table|json|TEMPLATE|table TEMPLATE`.
import HiveOCI
import HivePlatform

struct Column {
    let field: String
    let header: String
}

enum OutputFormat {
    case table(Template)      // header + aligned rows
    case json                 // one JSON object per line
    case template(Template)   // rows only, unaligned

    /// `defaultTemplate` is the table shown without --format.
    static func parse(_ text: String?, defaultTemplate: String) throws -> OutputFormat {
        guard let text, !text.isEmpty, text != "table" else { return .table(try Template(defaultTemplate)) }
        if text == "json" { return .json }
        if text.hasPrefix("table ") { return .table(try Template(String(text.dropFirst(6)))) }
        return .template(try Template(text))
    }
}

enum Renderer {
    /// Renders rows; `headers` maps field names to column titles.
    static func render(_ rows: [JSONValue], format: OutputFormat, headers: [String: String], to out: Output) throws {
        switch format {
        case .json:
            for r in rows { out.line(r.serialized()) }
        case .template(let t):
            for r in rows { out.line(try t.render(r)) }
        case .table(let t):
            var lines: [String] = []
            let headerRow = JSONValue.object(Dictionary(uniqueKeysWithValues: t.fieldNames.map {
                ($0, JSONValue.string(headers[$0] ?? $0.uppercased()))
            }))
            lines.append(try headerTemplate(t, headers: headers).render(headerRow))
            for r in rows { lines.append(try t.render(r)) }
            for l in TabWriter.align(lines) { out.line(l) }
        }
    }

    /// A template whose actions print their header names.
    private static func headerTemplate(_ t: Template, headers: [String: String]) throws -> Template {
        var src = ""
        for p in t.parts {
            switch p {
            case .text(let s): src += s.replacingOccurrences("{", "{ ")
            case .range, .cond, .with: continue
            case .action(let cmds):
                var name = ""
                for a in cmds.first ?? [] { if case .field(let f) = a { name = f.joined(separator: "."); break } }
                let h = headers[name] ?? name.uppercased()
                src += h.replacingOccurrences("{{", "{ {")
            }
        }
        return try Template(src.replacingOccurrences("\t", "\\t"))
    }
}

/// Go's text/tabwriter with Docker's settings (minwidth 10, padding 3):
/// cells end at tabs; the text after the last tab of a line is not aligned.
enum TabWriter {
    /// Go's text/tabwriter as Docker configures it: cells padded to the
    /// widest in their column (at least `minWidth`, plus `padding`), the last
    /// cell of a line as is. Works on bytes: ps -a of 500 rows spent most of
    /// its time here in Character-based String code.
    static func align(_ lines: [String], minWidth: Int = 10, padding: Int = 3) -> [String] {
        var rows: [[ArraySlice<UInt8>]] = []
        rows.reserveCapacity(lines.count)
        for line in lines {
            let bytes = Array(line.utf8)
            for l in bytes.split(separator: 10, omittingEmptySubsequences: false) {
                rows.append(l.split(separator: 9, omittingEmptySubsequences: false))
            }
        }
        // width in Unicode scalars: bytes that do not continue a UTF-8 sequence
        func width(_ c: ArraySlice<UInt8>) -> Int {
            var n = 0
            for b in c where b & 0xC0 != 0x80 { n += 1 }
            return n
        }
        var widths: [Int] = []
        for cells in rows {
            for (i, c) in cells.dropLast().enumerated() {
                let w = max(minWidth, width(c) + padding)
                if i < widths.count { widths[i] = max(widths[i], w) } else { widths.append(w) }
            }
        }
        return rows.map { cells in
            var out: [UInt8] = []
            out.reserveCapacity(widths.reduce(0, +) + 64)
            for (i, c) in cells.enumerated() {
                out += c
                if i < cells.count - 1 {
                    out += repeatElement(UInt8(ascii: " "), count: widths[i] - width(c))
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
