// The engine as the builder's host (HiveBuild/BuildHost.swift): a RUN step
// is a container planned by the runtime's ContainerPlanner (ContainerRequest.buildStep),
// created as `run` creates one (no create hooks) and removed once its changes
// are committed (the builder makes the image itself: Store+MakeImage).
import Glibc
import HiveBuild
import HiveOCI
import HivePlatform
import HiveRuntime
import HiveStore

final class EngineBuildHost: BuildHost {
    let engine: Engine
    /// `build`'s run flags for every step (limits, cgroup parent, /dev/shm, hosts, ulimits, security options; platform: checkBase).
    let steps: ContainerRequest?

    init(_ engine: Engine, steps: ContainerRequest? = nil) {
        self.engine = engine
        self.steps = steps
    }

    /// A step's request with `build`'s run flags.
    func stepRequest(_ o: ContainerRequest) -> ContainerRequest {
        guard let t = steps else { return o }
        var o = o
        o.resources = t.resources
        o.isolation.cgroupParent = t.isolation.cgroupParent
        o.isolation.shmSize = t.isolation.shmSize
        o.extraHosts = t.extraHosts
        o.ulimits = t.ulimits
        o.securityOpts = t.securityOpts
        return o
    }

    func run<T>(_ r: RunStepRequest, then: (_ status: Int32, _ writeChanges: @escaping (Int32) throws -> Void) throws -> T) throws -> T {
        let mounts = r.mounts.map {
            MountRequest(kind: $0.kind == .tmpfs ? .tmpfs : .bind, source: $0.source, target: $0.target, readonly: $0.readonly, tmpfsOptions: $0.tmpfsOptions)
        }
        let o = stepRequest(ContainerRequest.buildStep(image: r.image.hex, argv: r.argv, env: r.env, user: r.user, workdir: r.workdir,
                                                       network: r.network, mounts: mounts))
        let (id, plan) = try engine.createContainer(o)
        defer { try? engine.cleanupContainer(id) }
        // on a network (the default bridge unless the build or the step says none or host):
        // attached for the step, held by this process, released with the step's container
        if let r = try engine.store.container(id) { try engine.attachNetwork(r, events: false) }
        defer { engine.detachNetwork(id, events: false) }
        var p = plan
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        p.stdio = r.showOutput ? (null, r.outputFD ?? 1, r.outputFD ?? 2) : (null, null, null)
        let pid: pid_t
        do { pid = try Launcher.launch(p) } catch let e as LaunchError {
            throw HiveError(.invalidArgument, "process \"\(r.argv.joined(separator: " "))\" could not start: \(e.message)")
        }
        engine.store.unlock()
        let status = Launcher.wait(pid, forwardSignals: r.forwardSignals)
        let engine = self.engine
        return try then(status) { fd in try engine.writeDiffTar(id, to: fd) }
    }

    /// `build --platform`: each FROM image checked as `run --platform` checks its image.
    func checkBase(_ reference: String, _ config: ImageConfig) throws {
        if let p = steps?.platform { try Engine.checkPlatform(p, image: reference, config) }
    }

    func pull(_ reference: String, always: Bool) throws -> Digest {
        try engine.pull(reference).id
    }
}

extension Engine {
    /// The image a container is created over, its config and layers: a
    /// build step's may be a build cache record (its key: the state the step
    /// runs on, which the container's record then keeps from being pruned).
    func imageForCreate(_ o: RunOptions) throws -> (id: Digest, config: ImageConfig, layers: [LayerRecord]) {
        if o.buildStep, o.image.utf8.count == 64, let key = try? Digest(hex: o.image) {
            try store.lockShared()
            if let r = try store.buildRecord(o.image) {
                return (key, try JSONCoding.decode(ImageConfig.self, from: Array(r.configJSON.utf8)), r.layers)
            }
        }
        let resolved = try imageForRun(o)  // with the store's shared lock: no sweep while the layers are being mounted
        return (resolved.id, try imageConfig(resolved.id), try store.layers(of: resolved.id))
    }
}
