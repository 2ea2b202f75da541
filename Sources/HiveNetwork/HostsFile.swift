// /etc/hosts as Docker writes it: localhost lines, the container's own
// address and hostname, `--add-host` entries, and (user networks) the other
// containers by name and alias, kept current as they come and go.
import HivePlatform

public enum HostsFile {
    public struct Entry: Sendable, Equatable {
        public var ip: IPAddress
        public var names: [String]
        public init(ip: IPAddress, names: [String]) { self.ip = ip; self.names = names }
    }

    /// Docker's fixed lines, in its order.
    static let standard = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
                           "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters"]
    /// The planner's hostname line (no network of its own), replaced by the own entries.
    static let loopbackHostname = "127.0.1.1"
    /// Where the peers start: a later render with this file as `base` replaces them.
    public static let peersMarker = "# hive: containers on the same networks"

    /// The whole file: `base` (the planner's: localhost, hostname, --add-host)
    /// then `own` and `peers` entries, one line each, in the order given.
    /// Docker's layout: the fixed localhost and ip6 lines, the rest of `base`
    /// (--add-host), the own entries, then the peers after `peersMarker`. When there
    /// are own entries, the planner's 127.0.1.1 hostname line goes, and so does a
    /// line of `base` naming one of the own names (an earlier render's own line: a
    /// `base` that is an earlier render has its own lines and peers replaced). No line
    /// twice; a name that is empty or holds whitespace, a control character or `#` is
    /// left out (a name from a hook or a flag cannot add lines).
    public static func render(base: String, own: [Entry], peers: [Entry]) -> String {
        var lines: [String] = []
        var seen: Set<String> = []
        func add(_ line: String) {
            if seen.insert(normalized(line)).inserted { lines.append(line) }
        }
        standard.forEach(add)
        let ownNames = Set(own.flatMap(\.names))
        for raw in base.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line == peersMarker { break }
            let fields = fieldsOf(line)
            guard let ip = fields.first else { continue }  // blank lines and comments
            if !own.isEmpty && (ip == loopbackHostname || fields.dropFirst().contains(where: { ownNames.contains(String($0)) })) { continue }
            add(line)
        }
        for e in own { if let l = line(e) { add(l) } }
        let peerLines = peers.compactMap(line)
        if !peerLines.isEmpty {
            lines.append(peersMarker)
            peerLines.forEach(add)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether `name` may go in a hosts file: 1-255 printable non-space ASCII, no `#`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != 0x23 }
    }

    /// `IP\tname alias...` with the valid names (each once), or nil if none is.
    static func line(_ e: Entry) -> String? {
        var names: [String] = []
        for n in e.names where isValidName(n) && !names.contains(n) { names.append(n) }
        return names.isEmpty ? nil : "\(e.ip)\t" + names.joined(separator: " ")
    }

    private static func fieldsOf(_ line: String) -> [Substring] {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    }

    /// A line's fields joined by one space.
    private static func normalized(_ line: String) -> String { fieldsOf(line).joined(separator: " ") }
}
