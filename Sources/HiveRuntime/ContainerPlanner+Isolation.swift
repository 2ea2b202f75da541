// The planner's namespace and kernel settings (ContainerRequest+Isolation):
// which namespaces the launcher clones, joins or leaves shared, /dev/shm,
// the sysctls, domain name and OOM score it sets between clone and exec.
// --pid/--ipc/--uts host share the host's namespace and grant nothing else:
// the capabilities, seccomp and device policy stay the container's.
import Glibc
import HivePlatform

extension ContainerPlanner {
    /// Fills the plan's namespace part from `iso` (checked already);
    /// container:NAME modes take the init the engine resolved (`inputs`).
    func isolate(_ plan: inout LaunchPlan, _ iso: IsolationRequest, _ inputs: Inputs) throws(HiveError) {
        switch iso.ipc ?? "private" {
        case "host": plan.ipc = .host
        case "none": plan.ipc = .none
        case "", "private", "shareable": plan.ipc = .private
        default:
            guard let j = inputs.ipcJoin else { throw HiveError(.internal, "--ipc \(iso.ipc ?? ""): the container to join was not resolved") }
            plan.ipc = j
        }
        switch iso.pid ?? "private" {
        case "host": plan.pid = .host
        case "", "private": plan.pid = .private
        default:
            guard let j = inputs.pidJoin else { throw HiveError(.internal, "--pid \(iso.pid ?? ""): the container to join was not resolved") }
            plan.pid = j
        }
        plan.utsHost = iso.uts == "host"
        plan.cgroupnsHost = iso.cgroupns == "host"
        plan.shmSize = iso.shmSize ?? 0
        plan.domainname = iso.domainname
        plan.sysctls = (iso.sysctls ?? [:]).sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }
        plan.oomScoreAdj = iso.oomScoreAdj
    }

    /// The host's hostname (--uts host keeps it, as Docker shows it in /etc/hostname).
    static func hostHostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        return gethostname(&buf, buf.count) == 0 ? String(cString: buf) : "localhost"
    }
}
