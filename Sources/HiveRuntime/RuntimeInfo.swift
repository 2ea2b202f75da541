// What the runtime is built on, for `hive version` (the CLI imports no C).
import CHiveKernel

public enum RuntimeInfo {
    /// The libseccomp hive's seccomp filters are compiled with ("2.5.5").
    public static var libseccompVersion: String { String(cString: hive_seccomp_version()) }
}
