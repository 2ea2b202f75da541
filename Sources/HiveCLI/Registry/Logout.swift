// `hive logout [--authfile F] [SERVER]` (issue #12), as `docker logout`:
// removes hive's credentials for SERVER (default docker.io); "Not logged in
// to SERVER" when there were none. Exit status 1 on failure.
import HiveEngine
import HivePlatform

enum Logout {
    static let def = CommandDef(
        name: "logout", aliases: ["logout"], usage: "[OPTIONS] [SERVER]",
        summary: "Log out from a registry (default docker.io)",
        options: [
            .value("authfile", nil, "path", "Auth file to remove the credentials from (default $HIVE_AUTH_FILE or ~/.config/hive/auth.json)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        let server = try Engine.loginServer(c.args.positionals.first)
        switch try c.engine().logout(server: server, authFile: c.args.value("authfile")) {
        case .removed: c.out.line("Removed login credentials for \(server)")
        case .notLoggedIn: c.out.line("Not logged in to \(server)")
        case .onlyDocker:
            c.out.line("Not logged in to \(server) with hive: the credentials in Docker's config.json are removed by `docker logout \(server)`")
        }
        return 0
    }
}
