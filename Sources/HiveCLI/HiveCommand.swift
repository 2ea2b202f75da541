// Entry point: global options, dispatch to a verb, errors to exit codes
// (ErrorMapping: 125 hive error, 126/127 a command that cannot run; the
// container's own status comes with `run`).
import Glibc
import HiveEngine
import HiveRuntime
import HiveOCI
import HivePlatform
import HiveStore

public enum HiveCommand {
    static let version = EngineVersion.hive

    static let commands: [CommandDef] = [
        ImageList.def, ImageImport.def, ImageLoad.def, ImagePull.def, ImagePush.def, ImageSave.def, ImageTag.def, ImageRemove.def,
        ImageInspect.def, ImageHistory.def, ImagePrune.def, Inspect.def, Version.def, SystemInfoCommand.def,
        ContainerRun.def, ContainerList.def, ContainerRemove.def, ContainerCreate.def, ContainerStart.def, ContainerStop.def,
        ContainerRestart.def, ContainerKill.def, ContainerWait.def, ContainerLogs.def, ContainerCleanup.def, ContainerExec.def,
        ContainerInspect.def, ContainerRename.def, ContainerDiff.def, ContainerTop.def, ContainerStats.def, ContainerPrune.def,
        ContainerPause.def, ContainerUnpause.def, ContainerCommit.def, ContainerExport.def, ContainerCopy.def,
        VolumeCreate.def, VolumeList.def, VolumeInspect.def, VolumeRemove.def, VolumePrune.def,
        ImageBuild.def, Events.def, HooksList.def, HooksTest.def, SystemDF.def, SystemPrune.def, SystemGC.def, BuilderDU.def, BuilderPrune.def,
        Login.def, Logout.def, ManifestInspect.def,
        NetworkCreate.def, NetworkList.def, NetworkInspectCommand.def, NetworkRemove.def, NetworkPrune.def, NetworkConnect.def,
        NetworkDisconnect.def, ContainerPort.def,
        ContainerAttach.def, ContainerUpdate.def, MonitorRestart.def, MonitorHealth.def,
        Completion.def, Manpage.def, DockerCompat.def, SystemService.def, Compose.def,
    ]

    /// The last command's context, kept until the process exits: tearing down
    /// what it opened (the database connection, the hooks' Lua state) just
    /// before exit() costs ~0.1 ms and changes nothing on disk (every commit
    /// is in the database's log already; the kernel drops locks and files).
    nonisolated(unsafe) static var finished: Context?

    public static func main(_ argv: [String]) -> Int32 {
        HostProcess.tuneMalloc()
        let code = run(argv)
        finished?._engine?.flushEvents()
        Output.out.flush()
        Output.err.flush()
        return code
    }

    static func run(_ argv: [String]) -> Int32 {
        // internal: a detached checkpoint of the state database's log (Database.startCheckpoint)
        if argv.count == 3 && argv[1] == "__checkpoint-db" { return Database.checkpoint(path: argv[2]) }
        // internal: deleting a --rm container's directory after the command returned (Engine.cleanupContainer)
        if argv.count == 4 && argv[1] == "__rmtree" { return Engine.removeRenamed(argv[2], pendingMarker: argv[3]) ? 0 : 1 }
        // internal: gzip of a rotated container log for hive-monitor, which does not link the deflate code
        if argv.count == 5 && argv[1] == "__gzip-log" { return ContainerLogWriter.gzipRotated(argv[2], tmp: argv[3], to: argv[4]) ? 0 : 1 }
        var globals = GlobalOptions.fromEnvironment()
        var args = ArraySlice(argv.dropFirst())
        // Global options before the verb.
        while let a = args.first, a.hasPrefix("-") {
            if a == "--help" || a == "-h" { printMainHelp(); return 0 }
            if a == "--version" || a == "-v" { Output.out.line("hive version \(version)"); return 0 }
            var name = String(a.dropFirst(2))
            var value: String? = nil
            if let eq = name.firstIndex(of: "=") { value = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
            guard GlobalOptions.defs.contains(where: { $0.long == name }), a.hasPrefix("--") else {
                return usageFailure(UsageError(message: "unknown flag: \(a)", command: ""))
            }
            args = args.dropFirst()
            if value == nil {
                guard let v = args.first else { return usageFailure(UsageError(message: "flag needs an argument: \(a)", command: "")) }
                value = v
                args = args.dropFirst()
            }
            do { try globals.apply(ParsedArgs(values: [name: [value!]])) } catch { return fail(error) }
        }
        guard let verb = args.first else { printMainHelp(); return 0 }
        args = args.dropFirst()
        if verb == "help" {
            if let target = args.first, let def = lookup(target, args.dropFirst().first).0 { printHelp(def); return 0 }
            printMainHelp()
            return 0
        }
        Profile.mark("globals")
        let (found, consumed) = lookup(verb, args.first)
        Profile.mark("lookup")
        guard let def = found else {
            if groups.contains(verb) {
                if args.isEmpty || args.first == "--help" { printGroupHelp(verb); return 0 }
                return usageFailure(UsageError(message: "unknown command \"\(args.first!)\" for \"hive \(verb)\"", command: verb))
            }
            return usageFailure(UsageError(message: "unknown command \"\(verb)\" (hive --help lists them)", command: ""))
        }
        if consumed { args = args.dropFirst() }
        do {
            let ownsH = def.options.contains { $0.short == "h" }
            let parsed = try ArgumentParser.parse(args, options: def.options + GlobalOptions.defs + [.flag("help", ownsH ? nil : "h", "")],
                                                  interspersed: def.interspersed, command: def.aliases[0])
            if parsed.flag("help") {
                printHelp(def)
                return 0
            }
            Profile.mark("parsed")
            try globals.apply(parsed)
            let context = Context(globals: globals, args: parsed, command: def)
            finished = context
            defer {
                if globals.logLevel == "debug", let summary = context._engine?.hookSummary { Output.err.line("hive: debug: " + summary) }
            }
            return try def.run(context)
        } catch let u as UsageError {
            return usageFailure(u)
        } catch {
            return fail(error, verbStatus: def.failureStatus)
        }
    }

    static let groups: Set<String> = ["image", "container", "volume", "network", "hooks", "system", "buildx", "builder", "manifest"]

    /// Finds a verb by `word` or `word next` (`image ls`); says whether `next` was used.
    static func lookup(_ word: String, _ next: String?) -> (CommandDef?, Bool) {
        if let next, groups.contains(word) {
            let full = word + " " + next
            if let d = commands.first(where: { $0.aliases.contains(full) }) { return (d, true) }
            return (nil, false)
        }
        return (commands.first { $0.aliases.contains(word) }, false)
    }

    /// Reports an error; its exit status (ErrorMapping).
    static func fail(_ error: any Error, verbStatus: Int32? = nil) -> Int32 {
        Output.out.flush()
        Output.err.line("hive: " + ErrorMapping.message(error))
        return ErrorMapping.exitStatus(error, verbStatus: verbStatus)
    }

    static func usageFailure(_ u: UsageError) -> Int32 {
        Output.err.line("hive: " + u.message)
        Output.err.line("See 'hive \(u.command.isEmpty ? "" : u.command + " ")--help'.")
        return 125
    }
}
