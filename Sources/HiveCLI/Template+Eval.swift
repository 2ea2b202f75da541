// Executing a parsed template over JSONValue with Go's semantics (exec.go):
// a value is a JSONValue, or nil where Go has an invalid value (a missing
// map key: it prints "<no value>"); JSON null is Go's nil interface.
// Variables are a stack that control structures pop at their end; break and
// continue unwind to their range.
import HivePlatform

extension Template {
    enum Jump: Error {
        case breakLoop
        case continueLoop
    }

    /// A function's or method's parameter type, as Go checks arguments.
    enum ArgType {
        case any, string, int, strings

        var goName: String {
            switch self {
            case .any: return "interface {}"
            case .string: return "string"
            case .int: return "int"
            case .strings: return "[]string"
            }
        }
    }

    /// An error a method returns as it is, without "error calling".
    struct MethodError: Error { let message: String }

    /// A method taking one string, such as ps's `.Label "key"`.
    static func stringMethod(_ name: String, _ body: @escaping (String) -> String) -> TemplateMethod {
        return { args in
            guard args.count == 1 else { throw MethodError(message: "wrong number of args for \(name): want 1 got \(args.count)") }
            guard case .string(let s)? = args[0] else {
                throw MethodError(message: "wrong type for value; expected string; got \(GoFormat.typeName(args[0]))")
            }
            return .string(body(s))
        }
    }

    struct Exec {
        let t: Template
        let methods: [String: TemplateMethod]
        let headers: [String: String]?
        var vars: [(name: String, value: JSONValue?)]
        var out = ""
        var name = ""  // of the template executing, for errors
        var depth = 0

        init(_ t: Template, root: JSONValue, methods: [String: TemplateMethod], headers: [String: String]?) {
            self.t = t
            self.methods = methods
            self.headers = headers
            vars = [("$", root)]
        }

        mutating func run() throws {
            try walk(t.root, dot: vars[0].value, isRoot: true)
        }

        func fail(_ pos: Int, _ context: CustomStringConvertible, _ message: String) -> HiveError {
            Template.error(":\(t.location(pos)): executing \(GoFormat.quote(name)) at <\(context.description)>: \(message)")
        }

        mutating func pop(_ mark: Int) { vars.removeLast(vars.count - mark) }

        // MARK: nodes

        mutating func walk(_ nodes: [Node], dot: JSONValue?, isRoot: Bool) throws {
            for n in nodes {
                switch n {
                case .text(let s): out += s
                case .action(let pipe):
                    let v = try pipeline(pipe, dot: dot, isRoot: isRoot)
                    if pipe.decl.isEmpty {
                        if let v { GoFormat.appendValue(v, to: &out) } else { out += "<no value>" }
                    }
                case .ifNode(let b): try ifOrWith(b, with: false, dot: dot, isRoot: isRoot)
                case .withNode(let b): try ifOrWith(b, with: true, dot: dot, isRoot: isRoot)
                case .rangeNode(let b): try range(b, dot: dot, isRoot: isRoot)
                case .breakNode: throw Jump.breakLoop
                case .continueNode: throw Jump.continueLoop
                case .templateNode(let called, let pipe, let pos): try template(called, pipe, pos, dot: dot, isRoot: isRoot)
                }
            }
        }

        mutating func ifOrWith(_ b: Branch, with: Bool, dot: JSONValue?, isRoot: Bool) throws {
            let mark = vars.count
            defer { pop(mark) }
            let v = try pipeline(b.pipe, dot: dot, isRoot: isRoot)
            if Template.truth(v) {
                if with { try walk(b.list, dot: v, isRoot: false) } else { try walk(b.list, dot: dot, isRoot: isRoot) }
            } else if let e = b.elseList {
                try walk(e, dot: dot, isRoot: isRoot)
            }
        }

        mutating func range(_ b: Branch, dot: JSONValue?, isRoot: Bool) throws {
            let mark = vars.count
            defer { pop(mark) }
            let val = try pipeline(b.pipe, dot: dot, isRoot: isRoot)
            switch val {
            case .int(let n)?:
                if b.pipe.decl.count > 1 {
                    throw fail(b.pipe.pos, b.pipe, "can't use \(n) to iterate over more than one variable")
                }
                if n > 0 {
                    for k in 0..<n where try !iterate(b, index: nil, elem: .int(k)) { break }
                    return
                }
            case .array(let a)? where !a.isEmpty:
                for (k, e) in a.enumerated() where try !iterate(b, index: .int(Int64(k)), elem: e) { break }
                return
            case .object(let o)? where !o.isEmpty:
                for key in o.keys.sorted(by: utf8Precedes) where try !iterate(b, index: .string(key), elem: o[key]) { break }
                return
            case .array?, .object?, .null?, nil:
                break
            case let other?:
                throw fail(b.pipe.pos, b.pipe, "range can't iterate over \(GoFormat.sprint([other]))")
            }
            if let e = b.elseList { try walk(e, dot: dot, isRoot: isRoot) }
        }

        /// `{{template "name" pipeline}}`: the named body with the pipeline's value as `.` and `$`.
        mutating func template(_ called: String, _ pipe: Pipe?, _ pos: Int, dot: JSONValue?, isRoot: Bool) throws {
            guard let body = t.defined[called] else {
                let node = "{{template \(GoFormat.quote(called))" + (pipe.map { " " + $0.description } ?? "") + "}}"
                throw fail(pos, node, "template \(GoFormat.quote(called)) not defined")
            }
            if depth >= 1000 { throw fail(pos, "{{template \(GoFormat.quote(called))}}", "exceeded maximum template depth (1000)") }
            var newDot: JSONValue? = nil
            var newIsRoot = false
            if let pipe {
                newDot = try pipeline(pipe, dot: dot, isRoot: isRoot)
                // `.` or `$` passed on: still the data, with its methods
                if pipe.decl.isEmpty, pipe.cmds.count == 1, pipe.cmds[0].args.count == 1 {
                    switch pipe.cmds[0].args[0] {
                    case .dot: newIsRoot = isRoot
                    case .variable(_, let path): newIsRoot = path == ["$"]
                    default: break
                    }
                }
            }
            let savedVars = vars, savedName = name
            vars = [("$", newIsRoot ? savedVars[0].value : newDot)]
            name = called
            depth += 1
            defer {
                vars = savedVars
                name = savedName
                depth -= 1
            }
            try walk(body, dot: newDot, isRoot: newIsRoot)
        }

        /// One pass of a range's body; false after a break.
        mutating func iterate(_ b: Branch, index: JSONValue?, elem: JSONValue?) throws -> Bool {
            let d = b.pipe.decl
            if !d.isEmpty {
                if b.pipe.isAssign { try setVar(d[0], d.count > 1 ? index : elem, b.pipe) } else { vars[vars.count - 1].value = elem }
            }
            if d.count > 1 {
                if b.pipe.isAssign { try setVar(d[1], elem, b.pipe) } else { vars[vars.count - 2].value = index }
            }
            let mark = vars.count
            defer { pop(mark) }
            do {
                try walk(b.list, dot: elem, isRoot: false)
            } catch Jump.continueLoop {
            } catch Jump.breakLoop {
                return false
            }
            return true
        }

        // MARK: variables

        func variable(_ name: String, _ at: Operand) throws -> JSONValue? {
            for v in vars.reversed() where v.name == name { return v.value }
            throw fail(at.pos, at, "undefined variable: \(name)")
        }

        mutating func setVar(_ name: String, _ value: JSONValue?, _ at: Pipe) throws {
            for k in vars.indices.reversed() where vars[k].name == name {
                vars[k].value = value
                return
            }
            throw fail(at.pos, at, "undefined variable: \(name)")
        }

        // MARK: pipelines and commands

        mutating func pipeline(_ pipe: Pipe, dot: JSONValue?, isRoot: Bool) throws -> JSONValue? {
            var value: JSONValue? = nil
            for (k, cmd) in pipe.cmds.enumerated() {
                value = try command(cmd, dot: dot, isRoot: isRoot, final: value, hasFinal: k > 0)
                if case .null? = value { value = nil }  // Go unwraps a nil interface{} to an invalid value
            }
            for name in pipe.decl {
                if pipe.isAssign { try setVar(name, value, pipe) } else { vars.append((name, value)) }
            }
            return value
        }

        func notAFunction(_ cmd: Command, _ hasFinal: Bool) throws {
            if cmd.args.count > 1 || hasFinal {
                throw fail(cmd.args[0].pos, cmd.args[0], "can't give argument to non-function \(cmd.args[0])")
            }
        }

        mutating func command(_ cmd: Command, dot: JSONValue?, isRoot: Bool, final: JSONValue?, hasFinal: Bool) throws -> JSONValue? {
            let first = cmd.args[0]
            switch first {
            case .field(_, let path):
                return try fields(path[...], of: dot, rootReceiver: isRoot, node: first, args: cmd.args, final: final, hasFinal: hasFinal, dot: dot, isRoot: isRoot)
            case .chain(_, let inner, let path):
                if case .nilValue = inner { throw fail(first.pos, first, "indirection through explicit nil in \(first)") }
                let receiver = try argument(inner, .any, dot: dot, isRoot: isRoot)
                return try fields(path[...], of: receiver, rootReceiver: false, node: first, args: cmd.args, final: final, hasFinal: hasFinal, dot: dot, isRoot: isRoot)
            case .identifier(_, let name):
                return try call(name, cmd, dot: dot, isRoot: isRoot, final: final, hasFinal: hasFinal)
            case .pipe(let p):
                try notAFunction(cmd, hasFinal)
                return try pipeline(p, dot: dot, isRoot: isRoot)
            case .variable(_, let path):
                let v = try variable(path[0], first)
                if path.count == 1 {
                    try notAFunction(cmd, hasFinal)
                    return v
                }
                return try fields(path.dropFirst(), of: v, rootReceiver: path[0] == "$", node: first, args: cmd.args, final: final, hasFinal: hasFinal, dot: dot, isRoot: isRoot)
            case .nilValue:
                try notAFunction(cmd, hasFinal)
                throw fail(first.pos, first, "nil is not a command")
            default:
                try notAFunction(cmd, hasFinal)
                return try literal(first, .any, dot: dot)
            }
        }

        /// A constant operand (or `.`) converted to a parameter's type.
        func literal(_ op: Operand, _ type: ArgType, dot: JSONValue?) throws -> JSONValue? {
            switch (op, type) {
            case (.dot, _): return try validate(dot, type, at: op)
            case (.nilValue, .any): return nil
            case (.nilValue, _): throw fail(op.pos, op, "cannot assign nil to \(type.goName)")
            case (.bool(_, let b), .any): return .bool(b)
            case (.string(_, _, let s), .any), (.string(_, _, let s), .string): return .string(s)
            case (.number(_, let n), .any):
                guard let v = n.ideal else { throw fail(op.pos, op, "\(n.text) overflows int") }
                return v
            case (.number(_, let n), .int):
                guard let i = n.int, !n.overflows else { throw fail(op.pos, op, "expected integer; found \(op)") }
                return .int(i)
            case (_, .string): throw fail(op.pos, op, "expected string; found \(op)")
            case (_, .int): throw fail(op.pos, op, "expected integer; found \(op)")
            default: break
            }
            throw fail(op.pos, op, "can't handle \(op) for arg of type \(type.goName)")
        }

        /// Go's validateType: a value given to a parameter of `type`.
        func validate(_ v: JSONValue?, _ type: ArgType, at: CustomStringConvertible & Positioned) throws -> JSONValue? {
            switch (type, v) {
            case (.any, _), (.string, .string?), (.int, .int?): return v
            case (.strings, .array(let a)?) where a.allSatisfy({ if case .string = $0 { return true } else { return false } }): return v
            case (_, nil), (_, .null?): throw fail(at.pos, at, "invalid value; expected \(type.goName)")
            default: throw fail(at.pos, at, "wrong type for value; expected \(type.goName); got \(GoFormat.typeName(v))")
            }
        }

        /// An argument of a function or method, evaluated for a parameter of `type`.
        mutating func argument(_ op: Operand, _ type: ArgType, dot: JSONValue?, isRoot: Bool) throws -> JSONValue? {
            let v: JSONValue?
            switch op {
            case .field(_, let path):
                v = try fields(path[...], of: dot, rootReceiver: isRoot, node: op, args: [op], final: nil, hasFinal: false, dot: dot, isRoot: isRoot)
            case .variable(_, let path):
                let value = try variable(path[0], op)
                v = path.count == 1 ? value : try fields(path.dropFirst(), of: value, rootReceiver: path[0] == "$", node: op, args: [op], final: nil, hasFinal: false, dot: dot, isRoot: isRoot)
            case .pipe(let p):
                var value = try pipeline(p, dot: dot, isRoot: isRoot)
                if case .null? = value { value = nil }
                v = value
            case .identifier(_, let name):
                v = try call(name, Command(pos: op.pos, args: [op]), dot: dot, isRoot: isRoot, final: nil, hasFinal: false)
            case .chain:
                v = try command(Command(pos: op.pos, args: [op]), dot: dot, isRoot: isRoot, final: nil, hasFinal: false)
            default:
                return try literal(op, type, dot: dot)
            }
            return try validate(v, type, at: op)
        }

        // MARK: fields and methods

        /// `.A.B.C` from `receiver`; the last field gets the command's arguments (a method's).
        mutating func fields(_ path: ArraySlice<String>, of receiver: JSONValue?, rootReceiver: Bool, node: Operand, args: [Operand],
                             final: JSONValue?, hasFinal: Bool, dot: JSONValue?, isRoot: Bool) throws -> JSONValue? {
            if let headers, rootReceiver {
                let name = path.joined(separator: ".")
                return .string(headers[name] ?? name.uppercased())
            }
            var r = receiver
            var onRoot = rootReceiver
            for (k, name) in zip(path.indices, path) {
                let last = k == path.index(before: path.endIndex)
                r = try field(name, of: r, onRoot: onRoot, node: node, args: last ? args : [], final: final, hasFinal: last && hasFinal,
                              dot: dot, isRoot: isRoot)
                onRoot = false
            }
            return r
        }

        mutating func field(_ name: String, of receiver: JSONValue?, onRoot: Bool, node: Operand, args: [Operand],
                            final: JSONValue?, hasFinal: Bool, dot: JSONValue?, isRoot: Bool) throws -> JSONValue? {
            guard let r = receiver else { return nil }  // Go: a field of an invalid value is invalid
            if onRoot, let method = methods[name] {
                var values: [JSONValue?] = []
                for a in args.dropFirst() { values.append(try argument(a, .any, dot: dot, isRoot: isRoot)) }
                if hasFinal { values.append(final) }
                do { return try method(values) } catch let e as MethodError {
                    throw fail(node.pos, node, e.message)
                } catch {
                    throw fail(node.pos, node, "error calling \(name): \(HiveError.render(error))")
                }
            }
            switch r {
            case .object(let o):
                if args.count > 1 || hasFinal { throw fail(node.pos, node, "\(name) is not a method but has arguments") }
                if let v = o[name] { return v }
                // the data's own fields are a struct's in Docker: a missing one is an error
                if onRoot { throw fail(node.pos, node, "can't evaluate field \(name) in type \(GoFormat.typeName(r))") }
                return nil
            case .null: throw fail(node.pos, node, "nil pointer evaluating interface {}.\(name)")
            default: throw fail(node.pos, node, "can't evaluate field \(name) in type \(GoFormat.typeName(r))")
            }
        }
    }

    /// Go's truth of a value: false for zero, empty and nil.
    static func truth(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .int(let i)?: return i != 0
        case .double(let d)?: return d != 0
        case .string(let s)?: return !s.isEmpty
        case .array(let a)?: return !a.isEmpty
        case .object(let o)?: return !o.isEmpty
        }
    }
}

/// A node with a position in the template's text.
protocol Positioned { var pos: Int { get } }
extension Template.Operand: Positioned {}
extension Template.Command: Positioned {}
extension Template.Pipe: Positioned {}
