// Docker-style argument parsing: `-a`, `-aq`, `--all`, `--flag=false`,
// `-o FILE`, `-oFILE`, `--out=FILE`, repeated options, `--`. A small table-driven
// parser instead of swift-argument-parser: it costs ~3 ms of start-up per
// command there (platform-notes.md), a third of `hive run`'s budget.

struct OptionDef {
    enum Kind { case flag, value, multi }
    let long: String
    let short: Character?
    let kind: Kind
    let valueName: String
    let help: String

    static func flag(_ long: String, _ short: Character? = nil, _ help: String) -> OptionDef {
        OptionDef(long: long, short: short, kind: .flag, valueName: "", help: help)
    }
    static func value(_ long: String, _ short: Character? = nil, _ valueName: String, _ help: String) -> OptionDef {
        OptionDef(long: long, short: short, kind: .value, valueName: valueName, help: help)
    }
    static func multi(_ long: String, _ short: Character? = nil, _ valueName: String, _ help: String) -> OptionDef {
        OptionDef(long: long, short: short, kind: .multi, valueName: valueName, help: help)
    }
}

struct ParsedArgs {
    var flags: Set<String> = []
    /// Flags given explicitly as false (`--human=false`), for flags that default to on.
    var negated: Set<String> = []
    var values: [String: [String]] = [:]
    var positionals: [String] = []

    func flag(_ long: String) -> Bool { flags.contains(long) }
    func value(_ long: String) -> String? { values[long]?.last }
    func all(_ long: String) -> [String] { values[long] ?? [] }
}

struct UsageError: Error {
    let message: String
    let command: String
}

enum ArgumentParser {
    /// Parses `args` against `options`. With `interspersed` false, the first
    /// positional ends option parsing (as `run IMAGE CMD...` needs).
    static func parse(_ args: ArraySlice<String>, options: [OptionDef], interspersed: Bool, command: String) throws -> ParsedArgs {
        var out = ParsedArgs()
        var i = args.startIndex
        func find(long: String) -> OptionDef? { options.first { $0.long == long } }
        func find(short: Character) -> OptionDef? { options.first { $0.short == short } }
        func store(_ def: OptionDef, _ value: String) {
            if def.kind == .multi { out.values[def.long, default: []].append(value) } else { out.values[def.long] = [value] }
        }
        func fail(_ m: String) -> UsageError { UsageError(message: m, command: command) }

        while i < args.endIndex {
            let a = args[i]
            i += 1
            if a == "--" {
                out.positionals.append(contentsOf: args[i...])
                break
            }
            if a.hasPrefix("--") && a.count > 2 {
                var name = String(a.dropFirst(2))
                var inline: String? = nil
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let def = find(long: name) else { throw fail("unknown flag: --\(name)") }
                switch def.kind {
                case .flag:
                    switch inline {
                    case nil, "true", "1": out.flags.insert(def.long)
                    case "false", "0": out.flags.remove(def.long); out.negated.insert(def.long)
                    default: throw fail("invalid argument \"\(inline!)\" for \"--\(name)\" flag: expected true or false")
                    }
                case .value, .multi:
                    if let inline { store(def, inline) } else {
                        guard i < args.endIndex else { throw fail("flag needs an argument: --\(name)") }
                        store(def, args[i])
                        i += 1
                    }
                }
                continue
            }
            if a.hasPrefix("-") && a.count > 1 {
                var chars = Substring(a.dropFirst())
                while let c = chars.first {
                    chars = chars.dropFirst()
                    guard let def = find(short: c) else { throw fail("unknown shorthand flag: '\(c)' in \(a)") }
                    if def.kind == .flag {
                        if chars.hasPrefix("=") {
                            let v = chars.dropFirst()
                            if v == "false" || v == "0" { out.flags.remove(def.long); out.negated.insert(def.long) } else if v == "true" || v == "1" { out.flags.insert(def.long) } else {
                                throw fail("invalid argument \"\(v)\" for \"-\(c)\" flag: expected true or false")
                            }
                            break
                        }
                        out.flags.insert(def.long)
                        continue
                    }
                    if !chars.isEmpty {
                        store(def, String(chars.hasPrefix("=") ? chars.dropFirst() : chars))
                    } else {
                        guard i < args.endIndex else { throw fail("flag needs an argument: '\(c)' in \(a)") }
                        store(def, args[i])
                        i += 1
                    }
                    break
                }
                continue
            }
            out.positionals.append(a)
            if !interspersed {
                out.positionals.append(contentsOf: args[i...])
                break
            }
        }
        return out
    }
}
