// `hive update`: a container's cgroup limits and restart policy, on a
// running container (its cgroups now) or a stopped or created one (its
// groups, which outlive its processes, so the next start has the limits).
import Glibc
import HivePlatform
import HiveRuntime
import HiveStore

extension Engine {
    /// Applies `changes` and `restart` to the container `ref`: the cgroup
    /// files, then the stored spec, in one transaction (a failed write leaves
    /// the record as it was).
    public func update(_ ref: String, _ changes: ResourceUpdate, restart: RestartPolicy?) throws {
        try store.db.transaction(durable: false) { () throws(HiveError) in
            let r: ContainerRecord
            do { r = try self.record(ref) } catch { throw HiveError.from(error) }
            guard var s = self.spec(r) else { throw HiveError(.internal, "the stored configuration of container \(ref) cannot be read") }
            if let restart {
                if s.autoRemove && restart.restarts {
                    throw HiveError(.invalidArgument, "Restart policy cannot be updated because AutoRemove is enabled for the container")
                }
                s.restartPolicy = restart
            }
            if !changes.isEmpty {
                let old = s.resources ?? Resources()
                let new = try changes.applied(to: old)
                try self.applyLimits(r.id, new, old: old, controllers: changes.controllers)
                s.resources = new
            }
            let json = s.json
            try self.store.updateContainerConfig(r.id, json)
            self.decodedSpecs[json] = s
        }
    }

    /// Writes the limits into the container's groups; a group it had to make
    /// is recorded (its `cgroups` file, its plan). On failure puts back `old`.
    func applyLimits(_ id: String, _ new: Resources, old: Resources, controllers: Set<String>) throws(HiveError) {
        let dir = containerDir(id)
        let dirs = cgroupDirs(id)
        do {
            let made = try Cgroups.apply(new, controllers: controllers, dirs: dirs)
            if made.isEmpty { return }
            do {
                try Launcher.addCgroups(planFile: dir + "/plan", procs: made.map { $0 + "/cgroup.procs" })
                try Cgroups.record(dirs + made, containerDir: dir)
            } catch {
                Cgroups.remove(made)
                throw error
            }
        } catch {
            _ = try? Cgroups.apply(old, controllers: controllers, dirs: dirs, existingOnly: true)
            throw HiveError.from(error)
        }
    }
}
