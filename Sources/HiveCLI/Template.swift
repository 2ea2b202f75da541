// Go's text/template as Docker's `--format` and `inspect -f` use it, over
// JSONValue: the lexer (Template+Lexer), a parser to Go's node kinds
// (Template+Parser), the evaluator with Go's semantics where JSON can express
// them (Template+Eval), Go's builtins and Docker's functions
// (Template+Functions) and Go's fmt (Template+Printf).
// https://pkg.go.dev/text/template, docker/cli templates/templates.go.
// `{{define}}`, `{{template}}` and `{{block}}` work within the one template.
import HiveOCI
import HivePlatform

/// A method of the data's root object, such as ps's `.Label "key"`: gets the
/// evaluated arguments, returns the value.
typealias TemplateMethod = ([JSONValue?]) throws -> JSONValue

struct Template {
    /// The template's text, for error positions.
    let source: [UInt8]
    let root: [Node]
    /// The templates `{{define}}` and `{{block}}` name.
    let defined: [String: [Node]]

    /// Parses `source`. `unescapeText` turns the two characters `\t` and `\n`
    /// in the text outside actions into a tab and a newline, as Docker's
    /// list formatters do before parsing (docker/cli formatter.go).
    init(_ source: String, unescapeText: Bool = false) throws {
        self.source = Array(source.utf8)
        var lexer = Lexer(self.source, unescapeText: unescapeText)
        var parser = Parser(lexer.tokens())
        root = try parser.parse()
        defined = parser.defined
    }

    /// Executes the template with `value` as its data (`.` and `$`).
    /// `methods` are methods of that value, looked up before its keys.
    func render(_ value: JSONValue, methods: [String: TemplateMethod] = [:]) throws -> String {
        var exec = Exec(self, root: value, methods: methods, headers: nil)
        try exec.run()
        return exec.out
    }

    /// A table's header: the template executed the way Docker does it, with
    /// each field of the data (and each method) giving its column title
    /// (`headers[name]`, else the name in capitals) and `json`, `split`,
    /// `join`, `title`, `lower`, `upper`, `truncate` passing their argument
    /// through. As in Docker, an error ends the header where it happened.
    func renderHeader(_ headers: [String: String]) -> String {
        var exec = Exec(self, root: .object([:]), methods: [:], headers: headers)
        try? exec.run()
        return exec.out
    }

    /// The field paths the template reads from its data (`.A.B` as "A.B"), in order.
    var fieldNames: [String] {
        var names: [String] = []
        func add(_ path: [String]) {
            let name = path.joined(separator: ".")
            if !name.isEmpty && !names.contains(name) { names.append(name) }
        }
        func visit(_ o: Operand) {
            switch o {
            case .field(_, let path): add(path)
            case .variable(_, let path) where path.first == "$": add(Array(path.dropFirst()))
            case .pipe(let p): visit(p)
            case .chain(_, let inner, _): visit(inner)
            default: break
            }
        }
        func visit(_ p: Pipe) { for c in p.cmds { for a in c.args { visit(a) } } }
        func visit(_ nodes: [Node]) {
            for n in nodes {
                switch n {
                case .action(let p): visit(p)
                case .ifNode(let b), .rangeNode(let b), .withNode(let b):
                    visit(b.pipe)
                    visit(b.list)
                    visit(b.elseList ?? [])
                case .templateNode(_, let p?, _): visit(p)
                default: break
                }
            }
        }
        visit(root)
        for name in defined.keys.sorted() { visit(defined[name]!) }
        return names
    }

    /// `line:column` of a byte offset, as Go's ErrorContext counts them
    /// (the column in bytes from 0).
    func location(_ pos: Int) -> String {
        var line = 1, lineStart = 0
        for i in 0..<min(pos, source.count) where source[i] == 10 {
            line += 1
            lineStart = i + 1
        }
        return "\(line):\(pos - lineStart)"
    }

    /// The error Docker prints for a template: "template parsing error: template: ...".
    static func error(_ message: String) -> HiveError {
        HiveError(.invalidArgument, "template parsing error: template: " + message)
    }
}

// MARK: - The parse tree (Go's text/template/parse node kinds)

extension Template {
    indirect enum Node {
        case text(String)
        case action(Pipe)
        case ifNode(Branch)
        case rangeNode(Branch)
        case withNode(Branch)
        case breakNode
        case continueNode
        case templateNode(String, Pipe?, Int)  // {{template "name" pipeline}}, the name's position
    }

    /// The shared shape of if, range and with.
    struct Branch {
        let pipe: Pipe
        let list: [Node]
        let elseList: [Node]?
    }

    /// `$x, $y := cmd | cmd`.
    struct Pipe {
        let pos: Int
        var decl: [String] = []
        var isAssign = false
        var cmds: [Command] = []
    }

    /// One command of a pipeline: an operand and its arguments.
    struct Command {
        let pos: Int
        var args: [Operand] = []
    }

    indirect enum Operand {
        case field(Int, [String])          // .A.B
        case variable(Int, [String])       // $x.A.B ("$x" first)
        case dot(Int)
        case nilValue(Int)
        case bool(Int, Bool)
        case number(Int, Number)
        case string(Int, quoted: String, text: String)
        case identifier(Int, String)       // a function
        case pipe(Pipe)                    // ( pipeline )
        case chain(Int, Operand, [String]) // (pipeline).A.B

        var pos: Int {
            switch self {
            case .field(let p, _), .variable(let p, _), .dot(let p), .nilValue(let p), .bool(let p, _),
                 .number(let p, _), .string(let p, _, _), .identifier(let p, _), .chain(let p, _, _): return p
            case .pipe(let pipe): return pipe.pos
            }
        }
    }

    /// A numeric constant as Go's parser reads it: the kinds it can be.
    struct Number {
        let text: String
        var int: Int64?
        var float: Double?
        var isRune = false
        var overflows = false  // an integer too large for an int

        /// The value with no type to convert to (Go's idealConstant).
        var ideal: JSONValue? {
            let hex = text.count > 2 && text.hasPrefix("0") && (text.dropFirst().first == "x" || text.dropFirst().first == "X")
                && !text.contains(where: { $0 == "p" || $0 == "P" })
            if let f = float, !hex, !isRune, text.contains(where: { ".eEpP".contains($0) }) { return .double(f) }
            if let i = int { return .int(i) }
            return nil
        }
    }
}

// MARK: - Go's String() of the nodes, for error contexts and messages

extension Template.Operand: CustomStringConvertible {
    var description: String {
        switch self {
        case .field(_, let path): return "." + path.joined(separator: ".")
        case .variable(_, let path): return path.joined(separator: ".")
        case .dot: return "."
        case .nilValue: return "nil"
        case .bool(_, let b): return b ? "true" : "false"
        case .number(_, let n): return n.text
        case .string(_, let quoted, _): return quoted
        case .identifier(_, let name): return name
        case .pipe(let p): return p.description
        case .chain(_, let inner, let fields):
            let head: String
            if case .pipe(let p) = inner { head = "(" + p.description + ")" } else { head = inner.description }
            return head + fields.map { "." + $0 }.joined()
        }
    }
}

extension Template.Command: CustomStringConvertible {
    var description: String {
        args.map { a in
            if case .pipe(let p) = a { return "(" + p.description + ")" }
            return a.description
        }.joined(separator: " ")
    }
}

extension Template.Pipe: CustomStringConvertible {
    var description: String {
        var s = ""
        if !decl.isEmpty { s = decl.joined(separator: ", ") + (isAssign ? " = " : " := ") }
        return s + cmds.map(\.description).joined(separator: " | ")
    }
}
