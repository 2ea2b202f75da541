// What the builder needs from above it (DESIGN.md "build"): a RUN step run
// in a container (the engine owns containers), and a FROM image pulled from
// a registry (the engine owns pulls: HiveBuild stays below HiveRegistry). The engine implements it
// (HiveEngine/Engine+BuildHost.swift); the builder resolves names, reads
// and makes images through the store itself (Store+Resolve, Store+MakeImage),
// and takes the architecture, signal names and users from HivePlatform and
// HiveArchive.
import HiveOCI
import HivePlatform

public protocol BuildHost: AnyObject {
    /// Runs a RUN step's process in a new container over `request.image` and
    /// waits for it; `then` gets its exit status and a writer of the
    /// container's changes as a layer tar (usable only until `then` returns);
    /// the container is removed afterwards.
    func run<T>(_ request: RunStepRequest, then: (_ status: Int32, _ writeChanges: @escaping (Int32) throws -> Void) throws -> T) throws -> T

    /// Pulls `reference` (a FROM image as written) with the pull's hooks and
    /// events; returns the image ID. `always`: `build --pull` (a stored image
    /// is checked for a newer one); else it is pulled because it is missing.
    func pull(_ reference: String, always: Bool) throws -> Digest
    /// Checks a FROM image (`build --platform`); throws to refuse it.
    func checkBase(_ reference: String, _ config: ImageConfig) throws
}

extension BuildHost {
    public func checkBase(_ reference: String, _ config: ImageConfig) throws {}
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
    /// Where shown output goes (nil: the process's stdout and stderr).
    public var outputFD: Int32? = nil
    /// Signals to this process go on to the step's.
    public var forwardSignals = true
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
