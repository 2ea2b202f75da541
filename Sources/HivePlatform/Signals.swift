// Signal names and numbers as `kill`, `stop` and STOPSIGNAL take them
// (`SIGTERM`, `TERM`, `15`): Linux's numbering.

public enum Signals {
    static let names: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10,
        "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
        "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
        "IO": 29, "PWR": 30, "SYS": 31,
    ]

    /// `SIGTERM`, `TERM`, `15` -> 15.
    public static func number(_ s: String) throws -> Int32 {
        if let n = Int32(s), n > 0, n < 65 { return n }
        var name = s.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        guard let n = names[name] else { throw HiveError(.invalidArgument, "invalid signal \"\(s)\"") }
        return n
    }
}
