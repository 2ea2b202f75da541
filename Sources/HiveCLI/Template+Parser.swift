// The parser of Go's text/template/parse (parse.go): actions, pipelines with
// declarations and assignments, commands, operands with field chains,
// parenthesised pipelines, if/range/with with else, `else if`, `else with`,
// break/continue inside range. Errors are Go's: "template: :LINE: ...".
import HivePlatform

extension Template {
    /// The functions a template may call: Go's builtins and Docker's.
    static let functionNames: Set<String> = [
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery",
        "eq", "ge", "gt", "le", "lt", "ne",
        "json", "split", "join", "title", "lower", "upper", "pad", "truncate",
    ]

    /// What an item of a list ended with.
    enum Item {
        case node(Node)
        case end
        case elseItem

        var description: String {
            switch self {
            case .end: return "{{end}}"
            case .elseItem: return "{{else}}"
            case .node: return "node"
            }
        }
    }

    struct Parser {
        let tokens: [Token]
        var i = 0
        var furthest = 0
        var vars: [String] = ["$"]
        var rangeDepth = 0
        var actionLine = 0
        var depth = 0
        var defined: [String: [Node]] = [:]

        init(_ tokens: [Token]) { self.tokens = tokens }

        // MARK: tokens

        mutating func next() -> Token {
            let t = tokens[min(i, tokens.count - 1)]
            furthest = max(furthest, min(i, tokens.count - 1))
            i += 1
            return t
        }

        mutating func backup() { i -= 1 }

        mutating func peek() -> Token {
            furthest = max(furthest, min(i, tokens.count - 1))
            return tokens[min(i, tokens.count - 1)]
        }

        mutating func nextNonSpace() -> Token {
            var t = next()
            while t.kind == .space { t = next() }
            return t
        }

        /// The next token that is not a space; the spaces before it are consumed.
        mutating func peekNonSpace() -> Token {
            let t = nextNonSpace()
            backup()
            return t
        }

        func fail(_ message: String) -> HiveError {
            Template.error(":\(tokens[min(furthest, tokens.count - 1)].line): " + message)
        }

        func unexpected(_ t: Token, _ context: String) -> HiveError {
            if t.kind == .error {
                var extra = ""
                if actionLine != 0 && actionLine != t.line {
                    extra = " in action started at :\(actionLine)"
                    if t.val.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
                }
                return fail(t.val + extra)
            }
            return fail("unexpected \(t.description) in \(context)")
        }

        mutating func expect(_ kind: TokenKind, _ context: String) throws {
            let t = nextNonSpace()
            if t.kind != kind { throw unexpected(t, context) }
        }

        /// The name of a define, template or block: a string constant.
        mutating func templateName(_ t: Token, _ context: String) throws -> String {
            guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, context) }
            guard let name = Literal.unquote(t.val) else { throw fail("invalid syntax") }
            return name
        }

        /// A template body, parsed as a tree of its own (its own variables, outside any range).
        mutating func body(_ context: String) throws -> [Node] {
            let savedVars = vars, savedRange = rangeDepth
            vars = ["$"]
            rangeDepth = 0
            defer {
                vars = savedVars
                rangeDepth = savedRange
            }
            let (list, end) = try itemList()
            guard case .end = end else { throw fail("unexpected \(end.description) in \(context)") }
            return list
        }

        static func isEmpty(_ nodes: [Node]) -> Bool {
            nodes.allSatisfy { if case .text(let s) = $0 { return s.allSatisfy(\.isWhitespace) } else { return false } }
        }

        mutating func add(_ name: String, _ list: [Node]) throws {
            if let existing = defined[name], !Parser.isEmpty(existing) {
                if !Parser.isEmpty(list) { throw fail("template: multiple definition of template \(GoFormat.quote(name))") }
                return
            }
            defined[name] = list
        }

        // MARK: lists and actions

        mutating func parse() throws -> [Node] {
            var root: [Node] = []
            while peek().kind != .eof {
                if peek().kind == .leftDelim {
                    let save = i
                    _ = next()
                    if nextNonSpace().kind == .define {
                        let name = try templateName(nextNonSpace(), "define clause")
                        try expect(.rightDelim, "define clause")
                        try add(name, try body("define clause"))
                        continue
                    }
                    i = save
                }
                switch try textOrAction() {
                case .node(let n): root.append(n)
                case let other: throw fail("unexpected \(other.description)")
                }
            }
            return root
        }

        /// Items up to `{{end}}` or `{{else}}`, returned with it.
        mutating func itemList() throws -> ([Node], Item) {
            var list: [Node] = []
            while peekNonSpace().kind != .eof {
                let item = try textOrAction()
                guard case .node(let n) = item else { return (list, item) }
                list.append(n)
            }
            throw fail("unexpected EOF")
        }

        mutating func textOrAction() throws -> Item {
            let t = nextNonSpace()
            switch t.kind {
            case .text: return .node(.text(t.val))
            case .leftDelim:
                actionLine = t.line
                defer { actionLine = 0 }
                return try action()
            default: throw unexpected(t, "input")
            }
        }

        mutating func action() throws -> Item {
            let t = nextNonSpace()
            switch t.kind {
            case .block:
                let nameToken = nextNonSpace()
                let name = try templateName(nameToken, "block clause")
                let pipe = try pipeline("block clause", end: .rightDelim)
                try add(name, try body("block clause"))
                return .node(.templateNode(name, pipe, nameToken.pos))
            case .template:
                let nameToken = nextNonSpace()
                let name = try templateName(nameToken, "template clause")
                var pipe: Pipe? = nil
                if nextNonSpace().kind != .rightDelim {
                    backup()
                    pipe = try pipeline("template clause", end: .rightDelim)
                }
                return .node(.templateNode(name, pipe, nameToken.pos))
            case .breakKeyword, .continueKeyword:
                let name = t.kind == .breakKeyword ? "break" : "continue"
                let closing = nextNonSpace()
                if closing.kind != .rightDelim { throw unexpected(closing, "{{\(name)}}") }
                if rangeDepth == 0 { throw fail("{{\(name)}} outside {{range}}") }
                return .node(t.kind == .breakKeyword ? .breakNode : .continueNode)
            case .elseKeyword:
                // "{{else if" and "{{else with": the if or with is left for the control to read
                let p = peekNonSpace()
                if p.kind == .ifKeyword || p.kind == .with { return .elseItem }
                try expect(.rightDelim, "else")
                return .elseItem
            case .end:
                try expect(.rightDelim, "end")
                return .end
            case .ifKeyword: return .node(.ifNode(try control("if")))
            case .range: return .node(.rangeNode(try control("range")))
            case .with: return .node(.withNode(try control("with")))
            default:
                backup()
                // variables declared here live to the end of the enclosing control
                return .node(.action(try pipeline("command", end: .rightDelim)))
            }
        }

        mutating func control(_ context: String) throws -> Branch {
            let mark = vars.count
            defer { vars.removeLast(vars.count - mark) }
            let pipe = try pipeline(context, end: .rightDelim)
            if context == "range" { rangeDepth += 1 }
            let (list, next) = try itemList()
            if context == "range" { rangeDepth -= 1 }
            var elseList: [Node]? = nil
            if case .elseItem = next {
                if context == "if" && peek().kind == .ifKeyword {
                    _ = self.next()
                    elseList = [.ifNode(try control("if"))]
                } else if context == "with" && peek().kind == .with {
                    _ = self.next()
                    elseList = [.withNode(try control("with"))]
                } else {
                    let (e, end) = try itemList()
                    guard case .end = end else { throw fail("expected end; found \(end.description)") }
                    elseList = e
                }
            }
            return Branch(pipe: pipe, list: list, elseList: elseList)
        }

        // MARK: pipelines, commands, operands

        mutating func pipeline(_ context: String, end: TokenKind) throws -> Pipe {
            var pipe = Pipe(pos: peekNonSpace().pos)
            decls: while peekNonSpace().kind == .variable {
                let at = i
                let v = next()
                let following = peekNonSpace()
                if following.kind == .assign || following.kind == .declare {
                    pipe.isAssign = following.kind == .assign
                    _ = nextNonSpace()
                    pipe.decl.append(v.val)
                    vars.append(v.val)
                } else if following.kind == .char && following.val == "," {
                    _ = nextNonSpace()
                    pipe.decl.append(v.val)
                    vars.append(v.val)
                    if context == "range" && pipe.decl.count < 2 {
                        switch peekNonSpace().kind {
                        case .variable, .rightDelim, .rightParen: continue decls
                        default: throw fail("range can only initialize variables")
                        }
                    }
                    throw fail("too many declarations in \(context)")
                } else {
                    i = at  // an operand, not a declaration
                }
                break
            }
            while true {
                let t = nextNonSpace()
                if t.kind == end {
                    try check(pipe, context)
                    return pipe
                }
                switch t.kind {
                case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword,
                     .rawString, .string, .variable, .leftParen:
                    backup()
                    pipe.cmds.append(try command())
                default:
                    throw unexpected(t, context)
                }
            }
        }

        func check(_ pipe: Pipe, _ context: String) throws {
            if pipe.cmds.isEmpty { throw fail("missing value for \(context)") }
            for (k, c) in pipe.cmds.dropFirst().enumerated() {
                switch c.args[0] {
                case .bool, .dot, .nilValue, .number, .string:
                    throw fail("non executable command in pipeline stage \(k + 2)")
                default: continue
                }
            }
        }

        mutating func command() throws -> Command {
            var cmd = Command(pos: peekNonSpace().pos)
            while true {
                _ = peekNonSpace()
                if let operand = try operand() { cmd.args.append(operand) }
                let t = next()
                switch t.kind {
                case .space: continue
                case .rightDelim, .rightParen: backup()
                case .pipe: break
                default: throw unexpected(t, "operand")
                }
                break
            }
            if cmd.args.isEmpty { throw fail("empty command") }
            return cmd
        }

        mutating func operand() throws -> Operand? {
            guard let node = try term() else { return nil }
            guard peek().kind == .field else { return node }
            let pos = peek().pos
            var fields: [String] = []
            while peek().kind == .field { fields.append(String(next().val.dropFirst())) }
            switch node {
            case .field(_, let path): return .field(pos, path + fields)
            case .variable(_, let path): return .variable(pos, path + fields)
            case .bool, .string, .number, .nilValue, .dot:
                throw fail("unexpected . after term \(GoFormat.quote(node.description))")
            default: return .chain(pos, node, fields)
            }
        }

        mutating func term() throws -> Operand? {
            let t = nextNonSpace()
            switch t.kind {
            case .identifier:
                guard Template.functionNames.contains(t.val) else { throw fail("function \(GoFormat.quote(t.val)) not defined") }
                return .identifier(t.pos, t.val)
            case .dot: return .dot(t.pos)
            case .nilKeyword: return .nilValue(t.pos)
            case .variable:
                guard vars.contains(t.val) else { throw fail("undefined variable \(GoFormat.quote(t.val))") }
                return .variable(t.pos, [t.val])
            case .field: return .field(t.pos, [String(t.val.dropFirst())])
            case .bool: return .bool(t.pos, t.val == "true")
            case .charConstant, .complex, .number:
                do { return .number(t.pos, try Literal.number(t.val, kind: t.kind)) } catch let e as Literal.Failure {
                    throw fail(e.message)
                }
            case .leftParen:
                if depth >= 1000 { throw fail("max expression depth exceeded") }
                depth += 1
                defer { depth -= 1 }
                return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
            case .string, .rawString:
                guard let s = Literal.unquote(t.val) else { throw fail("invalid syntax") }
                return .string(t.pos, quoted: t.val, text: s)
            default:
                backup()
                return nil
            }
        }
    }
}
