// certs.d (issue #12): the CA and client certificates for one registry, as
// Docker and Podman lay them out, so existing setups work:
// `<certs dir>/HOST:PORT/` then `<certs dir>/HOST/`, in every certs dir of
// hive.toml's `certs_dirs` (/etc/hive/certs.d, /etc/docker/certs.d,
// /etc/containers/certs.d): `*.crt` are CAs (added to the system store),
// `NAME.cert` + `NAME.key` a client certificate and its key.
import HivePlatform

/// TLS files for one registry host, from certs.d (`ca.crt` / `*.crt` CAs,
/// `client.cert` + `client.key`), added to the system CA store.
public struct RegistryTLSFiles: Sendable, Equatable {
    public var caFiles: [String] = []
    public var clientCertificate: String?
    public var clientKey: String?
    public init() {}
}

extension RegistrySettings {
    /// The certs.d files for `hostPort` (`127.0.0.1:5000`, `registry.example.com`):
    /// every CA found; the first client certificate (the first directory
    /// that has one, names in order). A certificate without its key, or a key
    /// without its certificate, is an error naming both.
    public func tlsFiles(for hostPort: String) throws(HiveError) -> RegistryTLSFiles {
        var out = RegistryTLSFiles()
        let host = ProxySettings.splitHostPort(hostPort).host
        var names = [hostPort]
        if host != hostPort { names.append(hostPort.hasPrefix("[") ? "[" + host + "]" : host) }
        for root in certsDirs {
            for name in names {
                let dir = root + "/" + name
                let files = Files.names(in: dir).sorted()
                for f in files where f.hasSuffix(".crt") { out.caFiles.append(dir + "/" + f) }
                for f in files where f.hasSuffix(".cert") {
                    let key = String(f.dropLast(5)) + ".key"
                    guard files.contains(key) else {
                        throw HiveError(.invalidArgument, "certs.d: \(dir)/\(f) has no key \(dir)/\(key) (add it, or remove the certificate)")
                    }
                    if out.clientCertificate == nil {
                        out.clientCertificate = dir + "/" + f
                        out.clientKey = dir + "/" + key
                    }
                }
                for f in files where f.hasSuffix(".key") && !files.contains(String(f.dropLast(4)) + ".cert") {
                    throw HiveError(.invalidArgument, "certs.d: \(dir)/\(f) has no certificate \(dir)/\(f.dropLast(4)).cert (add it, or remove the key)")
                }
            }
        }
        return out
    }
}
