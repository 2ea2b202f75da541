// A build's options: what `hive build` was given, after the pre-build hooks.
import HiveOCI
import HivePlatform

public struct BuildOptions {
    /// The context directory; nil for `hive build -` (a Dockerfile on stdin, no context).
    public var contextDir: String?
    public var dockerfileText: String
    public var dockerfileName = "Dockerfile"
    public var tags: [String] = []
    public var buildArgs: [String: String] = [:]
    public var target: String?
    public var noCache = false
    public var labels: [String: String] = [:]
    /// RUN steps' network: "default" (the bridge), "bridge", "none" or "host".
    public var network = "default"
    /// `--pull`: FROM images are pulled even when stored (a newer one is looked for).
    public var pull = false
    /// Progress lines (`#3 [2/5] RUN ...`), and whether RUN output is shown.
    public var progress: (String) -> Void = { _ in }
    public var showRunOutput = true
    /// Where RUN output goes when shown (nil: the process's stdout and stderr;
    /// the Engine API gives a pipe it streams to its client).
    public var outputFD: Int32?
    /// Signals to this process go on to a RUN step's (`hive build` in the
    /// foreground; never in a long-lived service, whose signals are its own).
    public var forwardSignals = true
    public init(dockerfileText: String) { self.dockerfileText = dockerfileText }
}
