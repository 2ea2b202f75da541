// Names and IDs as Docker makes and checks them: containers, networks,
// network aliases, volumes' random names. One rule for every module.
import Glibc

public enum DockerNames {
    /// Docker's names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most `maxLength` bytes.
    public static func isValid(_ s: String, maxLength: Int = .max) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= maxLength else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        return alnum(first) && s.utf8.allSatisfy { alnum($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }

    /// A network's name or ID as `--network` and `network create` take it (at most 128 bytes).
    public static func isValidNetworkName(_ s: String) -> Bool { isValid(s, maxLength: 128) }

    /// A random 64-hex-digit ID (containers, networks, anonymous volumes).
    public static func randomID() -> String {
        var s = ""
        for _ in 0..<4 { let h = String(UInt64.random(in: 0...UInt64.max), radix: 16); s += String(repeating: "0", count: 16 - h.count) + h }
        return s
    }
}
