// `hive login [-u USER] [-p PASS | --password-stdin] [--authfile F] [SERVER]`
// (issue #12), as `docker login`: asks on the terminal for what is not
// given (the password without echo), checks the credentials with the
// registry before saving them, prints "Login Succeeded"; exit status 1 on
// failure. The password is never echoed, logged or put in an error.
import Glibc
import HiveEngine
import HivePlatform

enum Login {
    static let def = CommandDef(
        name: "login", aliases: ["login"], usage: "[OPTIONS] [SERVER]",
        summary: "Log in to a registry (default docker.io)",
        options: [
            .value("username", "u", "string", "Username"),
            .value("password", "p", "string", "Password (insecure: it is visible to other users; use --password-stdin)"),
            .flag("password-stdin", nil, "Take the password from stdin"),
            .value("authfile", nil, "path", "Auth file to write (default $HIVE_AUTH_FILE or ~/.config/hive/auth.json)"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 0, max: 1)
        let server = try Engine.loginServer(c.args.positionals.first)
        var username = c.args.value("username") ?? ""
        var password = c.args.value("password")
        if c.args.flag("password-stdin") {
            guard password == nil else { throw HiveError(.invalidArgument, "--password and --password-stdin are mutually exclusive") }
            guard !username.isEmpty else { throw HiveError(.invalidArgument, "--password-stdin needs --username (-u)") }
            guard var bytes = Files.read(fd: 0) else { throw HiveError.errno("cannot read the password from stdin") }
            // one line end off, as Docker (bytes: "\r\n" is one Character)
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            password = String(decoding: bytes, as: UTF8.self)
        } else if password != nil {
            c.err.line("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
            c.err.flush()
        }
        if username.isEmpty || password == nil {
            guard isatty(0) == 1 else {
                throw HiveError(.invalidArgument, "cannot ask for credentials: stdin is not a terminal (use -u USER with -p or --password-stdin)")
            }
            if username.isEmpty {
                username = try Terminal.readLine(echo: true) { c.out.write("Username: "); c.out.flush() }.trimmed
            }
            if password == nil {
                password = try Terminal.readLine(echo: false) { c.out.write("Password: "); c.out.flush() }
                c.out.line("")
            }
        }
        try c.engine().login(server: server, username: username, password: password ?? "", authFile: c.args.value("authfile"))
        c.out.line("Login Succeeded")
        return 0
    }
}
