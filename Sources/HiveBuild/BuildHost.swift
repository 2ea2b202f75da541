// What the builder needs from above it (DESIGN.md "build"): RUN steps run in
// a container, images are made from a parent, a config and a layer, names
// are resolved as every verb resolves them. The engine implements it
// (HiveEngine/Engine+BuildHost.swift); the builder reads the store itself.
import HiveOCI
import HivePlatform

public protocol BuildHost: AnyObject {
    /// The platform images are built for, as OCI names it (`amd64`, `arm64`).
    var architecture: String { get }

    /// A local image by tag, ID or unique ID prefix (FROM, COPY --from, RUN --mount from=).
    func resolveImage(_ name: String) throws -> Digest

    /// `COPY --chown=name[:group]`: the uid and gid from the image's own
    /// /etc/passwd and /etc/group (`layers`: its layer directories, top first).
    func resolveOwner(_ spec: String, layers: [String]) throws -> (uid: UInt32, gid: UInt32)

    /// STOPSIGNAL's check: throws for what is not a signal name or number.
    func checkSignal(_ name: String) throws

    /// Runs a RUN step's process in a new container over `request.image` and
    /// waits for it; `then` gets its exit status and a writer of the
    /// container's changes as a layer tar (usable only until `then` returns);
    /// the container is removed afterwards.
    func run<T>(_ request: RunStepRequest, then: (_ status: Int32, _ writeChanges: @escaping (Int32) throws -> Void) throws -> T) throws -> T

    /// A new image: `parent`'s layers (none for nil) plus the layer
    /// `writeLayer` writes as a tar (if given), with `config`; its ID.
    func makeImage(parent: Digest?, config: ImageConfig, writeLayer: ((Int32) throws -> Void)?) throws -> Digest
}

/// A RUN step as the host runs it.
public struct RunStepRequest {
    /// The image the step runs over (its top is the step's parent).
    public var image: Digest
    public var argv: [String]
    /// `KEY=value`, the stage's ARGs and ENV.
    public var env: [String]
    public var user: String?
    public var workdir: String?
    /// `none` or `host`.
    public var network: String
    /// RUN --mount binds and tmpfs, in order.
    public var mounts: [BuildMount]
    /// Whether the process's stdout/stderr are the build's (else /dev/null).
    public var showOutput: Bool
}

/// One RUN --mount as the container gets it: a host directory or file (a
/// cache directory, a source bound by fd) or a tmpfs.
public struct BuildMount: Equatable {
    public enum Kind: String { case bind, tmpfs }
    public var kind: Kind
    public var source: String?
    public var target: String
    public var readonly = false
    public var tmpfsOptions: String?
}
