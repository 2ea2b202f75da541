// The machine hive runs on, as OCI names platforms.
import Glibc

public enum HostPlatform {
    /// The platform hive runs images for (`amd64`, `arm64`).
    public static var architecture: String { ociArchitecture(uts.machine) }

    /// uname's fields: the kernel release (`6.1.0-13-amd64`), the machine (`x86_64`) and the host's name.
    public static var uts: (release: String, machine: String, nodename: String) {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String { withUnsafeBytes(of: v) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) } }
        return (field(u.release), field(u.machine), field(u.nodename))
    }

    /// uname's machine name as OCI names it (`x86_64` -> `amd64`).
    public static func ociArchitecture(_ machine: String) -> String {
        switch machine {
        case "x86_64", "x86-64": return "amd64"
        case "aarch64": return "arm64"
        case "i386", "i686": return "386"
        case "armv7l": return "arm"
        default: return machine
        }
    }
}
