// Which files hive takes policy from: hook files, their directories, hive.toml.
import Glibc

public enum FileTrust {
    /// Why a file hive takes policy from (a hook file, hive.toml) or its
    /// directory is not trusted, or nil: it must be owned by root (or, with
    /// `caller`, by the invoking user) and not be writable by group or others
    /// (with `sticky`, a sticky directory such as /tmp may be).
    public static func problem(_ st: stat, _ path: String, caller: Bool = false, sticky: Bool = false) -> String? {
        if st.st_uid != 0 && !(caller && st.st_uid == getuid()) {
            return "it is owned by uid \(st.st_uid), not root (chown root \(path))"
        }
        if st.st_mode & 0o022 != 0 && !(sticky && st.st_mode & 0o1000 != 0) {
            return "it is writable by group or others (chmod go-w \(path))"
        }
        return nil
    }
}
