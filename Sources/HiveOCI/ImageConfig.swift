// Image configuration.
// Spec: https://github.com/opencontainers/image-spec/blob/main/config.md
// Docker's extra keys (Healthcheck, OnBuild, Shell, ...): moby api/types/container/config.go
import HivePlatform

public struct ImageConfig: Codable, Sendable, Equatable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var variant: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?

    public init(architecture: String, os: String, rootfs: RootFS) {
        self.architecture = architecture
        self.os = os
        self.rootfs = rootfs
    }
}

public struct RootFS: Codable, Sendable, Equatable {
    public var type: String
    public var diffIDs: [Digest]
    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }
    public init(diffIDs: [Digest]) {
        self.type = "layers"
        self.diffIDs = diffIDs
    }
}

public struct History: Codable, Sendable, Equatable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?
    enum CodingKeys: String, CodingKey {
        case created, author, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
    }
    public init(created: String?, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created
        self.createdBy = createdBy
        self.comment = comment
        self.emptyLayer = emptyLayer
    }
}

/// The execution parameters of an image (`config` in the image config).
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var user: String?
    public var exposedPorts: [String: EmptyObject]?
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var volumes: [String: EmptyObject]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var argsEscaped: Bool?
    public var healthcheck: Healthcheck?
    public var onBuild: [String]?
    public var shell: [String]?

    enum CodingKeys: String, CodingKey {
        case user = "User"
        case exposedPorts = "ExposedPorts"
        case env = "Env"
        case entrypoint = "Entrypoint"
        case cmd = "Cmd"
        case volumes = "Volumes"
        case workingDir = "WorkingDir"
        case labels = "Labels"
        case stopSignal = "StopSignal"
        case argsEscaped = "ArgsEscaped"
        case healthcheck = "Healthcheck"
        case onBuild = "OnBuild"
        case shell = "Shell"
    }

    public init() {}
}

public struct Healthcheck: Codable, Sendable, Equatable {
    public var test: [String]?
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?
    public init() {}
    enum CodingKeys: String, CodingKey {
        case test = "Test"
        case interval = "Interval"
        case timeout = "Timeout"
        case startPeriod = "StartPeriod"
        case startInterval = "StartInterval"
        case retries = "Retries"
    }
}

/// Encodes as `{}` (the value type of ExposedPorts and Volumes).
public struct EmptyObject: Codable, Sendable, Equatable {
    public init() {}
    public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: AnyKey.self) }
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: AnyKey.self) }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension ImageConfig {
    struct Shape: Error {}

    /// Reads a config without Foundation's coders (see JSONValue.parse); nil if
    /// its shape is not what the spec says (the Codable path then reports it).
    public static func fast(_ bytes: [UInt8]) -> ImageConfig? {
        guard let v = try? JSONValue.parse(bytes), let c = try? ImageConfig(json: v) else { return nil }
        return c
    }

    init(json v: JSONValue) throws {
        func str(_ x: JSONValue?) throws -> String? {
            switch x {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw Shape()
            }
        }
        func strs(_ x: JSONValue?) throws -> [String]? {
            switch x {
            case nil, .null?: return nil
            case .array(let a)?: return try a.map { e in guard case .string(let s) = e else { throw Shape() }; return s }
            default: throw Shape()
            }
        }
        func int(_ x: JSONValue?) throws -> Int64? {
            switch x {
            case nil, .null?: return nil
            case .int(let i)?: return i
            default: throw Shape()
            }
        }
        func set(_ x: JSONValue?) throws -> [String: EmptyObject]? {
            switch x {
            case nil, .null?: return nil
            case .object(let o)?: return o.mapValues { _ in EmptyObject() }
            default: throw Shape()
            }
        }
        guard case .object(let o) = v, let arch = try str(o["architecture"]), let os = try str(o["os"]),
              case .object(let rootfs)? = o["rootfs"], let type = try str(rootfs["type"]) else { throw Shape() }
        let diffIDs = try (strs(rootfs["diff_ids"]) ?? []).map { try Digest(parsing: $0) }
        self.init(architecture: arch, os: os, rootfs: RootFS(diffIDs: diffIDs))
        self.rootfs.type = type
        created = try str(o["created"])
        author = try str(o["author"])
        variant = try str(o["variant"])
        switch o["config"] {
        case nil, .null?: break
        case .object(let c)?:
            var cc = ContainerConfig()
            cc.user = try str(c["User"])
            cc.exposedPorts = try set(c["ExposedPorts"])
            cc.env = try strs(c["Env"])
            cc.entrypoint = try strs(c["Entrypoint"])
            cc.cmd = try strs(c["Cmd"])
            cc.volumes = try set(c["Volumes"])
            cc.workingDir = try str(c["WorkingDir"])
            switch c["Labels"] {
            case nil, .null?: break
            case .object(let l)?: cc.labels = try l.mapValues { e in guard case .string(let s) = e else { throw Shape() }; return s }
            default: throw Shape()
            }
            cc.stopSignal = try str(c["StopSignal"])
            switch c["ArgsEscaped"] {
            case nil, .null?: break
            case .bool(let b)?: cc.argsEscaped = b
            default: throw Shape()
            }
            switch c["Healthcheck"] {
            case nil, .null?: break
            case .object(let h)?:
                var hc = Healthcheck()
                hc.test = try strs(h["Test"])
                hc.interval = try int(h["Interval"])
                hc.timeout = try int(h["Timeout"])
                hc.startPeriod = try int(h["StartPeriod"])
                hc.startInterval = try int(h["StartInterval"])
                hc.retries = try int(h["Retries"]).map { Int($0) }
                cc.healthcheck = hc
            default: throw Shape()
            }
            cc.onBuild = try strs(c["OnBuild"])
            cc.shell = try strs(c["Shell"])
            config = cc
        default: throw Shape()
        }
        switch o["history"] {
        case nil, .null?: break
        case .array(let a)?:
            history = try a.map { e in
                guard case .object(let h) = e else { throw Shape() }
                var entry = History(created: try str(h["created"]), createdBy: try str(h["created_by"]), comment: try str(h["comment"]))
                entry.author = try str(h["author"])
                switch h["empty_layer"] {
                case nil, .null?: break
                case .bool(let b)?: entry.emptyLayer = b
                default: throw Shape()
                }
                return entry
            }
        default: throw Shape()
        }
    }
}
