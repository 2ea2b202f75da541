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

    /// `defaultTemplate` is the table shown without --format. As Docker's
    /// formatter: `table` starts a table, the rest is trimmed of spaces, and
    /// `\t` `\n` in its text are a tab and a newline.
    static func parse(_ text: String?, defaultTemplate: String) throws -> OutputFormat {
        guard let text, !text.isEmpty else { return .table(try Template(defaultTemplate)) }
        if text == "json" { return .json }
        let table = text.hasPrefix("table")
        var body = Substring(table ? text.dropFirst(5) : text[...])
        while body.first == " " { body = body.dropFirst() }
        while body.last == " " { body = body.dropLast() }
        if table && body.isEmpty { return .table(try Template(defaultTemplate)) }
        let t = try Template(String(body), unescapeText: true)
        return table ? .table(t) : .template(t)
    }

    /// The row fields this format reads (json reads them all: "*"), so that a
    /// verb gathers a costly one only when it is shown.
    var fieldNames: [String] {
        switch self {
        case .json: return ["*"]
        case .table(let t), .template(let t): return t.fieldNames
        }
    }

    /// Whether rows in this format show `field` (json shows every one).
    func reads(_ field: String) -> Bool { fieldNames.contains { $0 == field || $0 == "*" } }
}

enum Renderer {
    /// Renders rows; `headers` maps field names to column titles; `methods`
    /// names the rows' template methods (ps's `.Label "key"`), each made for
    /// a row from its index, and only when the template calls it.
    static func render(_ rows: [JSONValue], format: OutputFormat, headers: [String: String],
                       methods: [String: (Int) -> TemplateMethod] = [:], to out: Output) throws {
        func bound(_ t: Template) -> (Int) -> [String: TemplateMethod] {
            let used = methods.filter { m in t.fieldNames.contains { $0 == m.key || $0.hasPrefix(m.key + ".") } }
            if used.isEmpty { return { _ in [:] } }
            return { i in used.mapValues { $0(i) } }
        }
        switch format {
        case .json:
            for r in rows { out.line(Template.unescapeHTML(r.serialized())) }
        case .template(let t):
            let rowMethods = bound(t)
            for (i, r) in rows.enumerated() { out.line(try t.render(r, methods: rowMethods(i))) }
        case .table(let t):
            let rowMethods = bound(t)
            var lines: [String] = [t.renderHeader(headers)]
            lines.reserveCapacity(rows.count + 1)
            for (i, r) in rows.enumerated() { lines.append(try t.render(r, methods: rowMethods(i))) }
            for l in TabWriter.align(lines) { out.line(l) }
        }
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
