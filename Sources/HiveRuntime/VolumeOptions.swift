// The local volume driver's options (`volume create -o type=tmpfs -o
// device=tmpfs -o o=size=64m`), as moby's volume/local/local_unix.go takes
// them: checked at create, kept in the volume's directory (opts.json), and
// mounted when a container uses the volume. Docker mounts the filesystem on
// the volume's _data on the host and binds that into each container; hive
// has no daemon to unmount it after the last container, so the launcher
// mounts it in the container itself (a tmpfs volume is then one per container).
import Glibc
import HivePlatform

public struct VolumeOptions: Sendable, Equatable {
    /// The options as given (`volume inspect` shows them as Options).
    public var values: [String: String]
    public var type: String { values["type"] ?? "" }
    public var device: String { values["device"] ?? "" }
    public var o: String { values["o"] ?? "" }

    /// The file beside a volume's _data that keeps its options.
    public static let fileName = "opts.json"

    /// Checks options as the local driver does: only type, device, o (and
    /// size, which needs quota support hive does not have); type and device
    /// need each other, and o needs both.
    public init(_ values: [String: String]) throws(HiveError) {
        for k in values.keys.sorted() where !["type", "device", "o", "size"].contains(k) {
            throw HiveError(.invalidArgument, "invalid option: \"\(k)\" (the local driver takes type, device and o)")
        }
        if values["size"] != nil {
            throw HiveError(.invalidArgument, "quota size requested but no quota support (use -o o=size=N with -o type=tmpfs)")
        }
        for (opt, needs) in [("device", ["type"]), ("type", ["device"]), ("o", ["device", "type"])] where values[opt] != nil {
            for n in needs where values[n] == nil {
                throw HiveError(.invalidArgument, "missing required option: \"\(n)\" (-o \(opt)= needs -o \(n)=)")
            }
        }
        self.values = values
    }

    // MARK: - opts.json

    /// The options kept in `volumeDir` (nil: a plain volume).
    public static func load(volumeDir: String) -> VolumeOptions? {
        guard let bytes = Files.read(volumeDir + "/" + fileName),
              let values = try? JSONCoding.decode([String: String].self, from: bytes), !values.isEmpty else { return nil }
        return VolumeOptions(checked: values)
    }

    private init(checked values: [String: String]) { self.values = values }

    public func save(volumeDir: String) throws(HiveError) {
        let text = JSONValue.object(values.mapValues(JSONValue.string)).serialized()
        try Files.write(volumeDir + "/" + VolumeOptions.fileName, text, mode: 0o600)
    }

    // MARK: - mounting

    /// mount(8)'s flag words as moby/sys/mount parses `o=`: (set?, flag);
    /// every other word goes to the filesystem as data.
    static let flagWords: [String: (set: Bool, flag: UInt)] = [
        "defaults": (false, 0), "ro": (true, UInt(MS_RDONLY)), "rw": (false, UInt(MS_RDONLY)),
        "suid": (false, UInt(MS_NOSUID)), "nosuid": (true, UInt(MS_NOSUID)), "dev": (false, UInt(MS_NODEV)),
        "nodev": (true, UInt(MS_NODEV)), "exec": (false, UInt(MS_NOEXEC)), "noexec": (true, UInt(MS_NOEXEC)),
        "sync": (true, UInt(MS_SYNCHRONOUS)), "async": (false, UInt(MS_SYNCHRONOUS)), "dirsync": (true, UInt(MS_DIRSYNC)),
        "mand": (true, UInt(MS_MANDLOCK)), "nomand": (false, UInt(MS_MANDLOCK)), "atime": (false, UInt(MS_NOATIME)),
        "noatime": (true, UInt(MS_NOATIME)), "diratime": (false, UInt(MS_NODIRATIME)), "nodiratime": (true, UInt(MS_NODIRATIME)),
        "bind": (true, UInt(MS_BIND)), "rbind": (true, UInt(MS_BIND | MS_REC)), "relatime": (true, UInt(MS_RELATIME)),
        "norelatime": (false, UInt(MS_RELATIME)), "strictatime": (true, UInt(MS_STRICTATIME)),
        "nostrictatime": (false, UInt(MS_STRICTATIME)),
    ]

    /// `o=` split into mount flags and the filesystem's data.
    public var flagsAndData: (flags: UInt, data: String) {
        var flags: UInt = 0
        var data: [Substring] = []
        for word in o.split(separator: ",") where !word.isEmpty {
            if let f = VolumeOptions.flagWords[String(word)] {
                if f.set { flags |= f.flag } else { flags &= ~f.flag }
            } else {
                data.append(word)
            }
        }
        return (flags, data.joined(separator: ","))
    }

    /// How a container mounts volume `name` with these options at `target`:
    /// `o=bind` binds the device (a host path, which must exist), anything
    /// else mounts the device as a filesystem of `type`.
    public func mount(volume name: String, target: String, readonly: Bool) throws(HiveError) -> MountSpec {
        let (flags, data) = flagsAndData
        if flags & UInt(MS_BIND) != 0 {
            var st = stat()
            guard stat(device, &st) == 0 else {
                throw HiveError(.invalidArgument, "error while mounting volume \"\(name)\": failed to mount local volume: mount \(device): "
                    + String(cString: strerror(errno)) + " (its -o device= must be an existing host path)")
            }
            return MountSpec(source: ContainerPlanner.canonicalPath(device), target: target,
                             readonly: readonly || flags & UInt(MS_RDONLY) != 0)
        }
        return MountSpec(source: device, target: target, fstype: type, flags: flags, data: data.isEmpty ? nil : data, readonly: readonly)
    }

    /// The mount for volume `name` whose data directory is `data`, if it has options.
    public static func mount(volume name: String, data: String, target: String, readonly: Bool) throws(HiveError) -> MountSpec? {
        guard let slash = data.lastIndex(of: "/"), let opts = load(volumeDir: String(data[..<slash])) else { return nil }
        return try opts.mount(volume: name, target: target, readonly: readonly)
    }
}
