// Manifests and tags: GET/HEAD/PUT /v2/PATH/manifests/REF with the OCI and
// Docker Accept list, 4 MiB at most, the digest computed over the bytes and
// checked against the one asked for (by digest) or the registry's
// Docker-Content-Digest (by tag); tags/list with Link pagination. And how a
// response that is not a success reads as a HiveError.
import HiveOCI
import HivePlatform
import NIOHTTP1

extension RegistryClient {
    static let manifestAccept = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ].joined(separator: ", ")
    static let maxManifestBytes = 4 << 20

    /// "docker.io/library/busybox:1.36" or "...@sha256:...".
    static func name(_ repo: RepositoryRef, _ reference: String) -> String {
        repo.description + (reference.hasPrefix("sha256:") ? "@" : ":") + reference
    }

    /// The digest `reference` names, nil for a tag; a malformed digest is `.invalid`.
    static func digestReference(_ repo: RepositoryRef, _ reference: String) throws(HiveError) -> Digest? {
        guard reference.contains(":") else { return nil }
        do { return try Digest(parsing: reference) } catch {
            throw HiveError(.invalid, "\(repo): \"\(reference)\" is not a sha256 digest", cause: error)
        }
    }

    func fetchManifest(_ repo: RepositoryRef, reference: String) throws(HiveError) -> FetchedManifest {
        let asked = try RegistryClient.digestReference(repo, reference)
        let what = RegistryClient.name(repo, reference)
        return try onEndpoints(repo.domain, pull: true) { (ep) throws(HiveError) -> FetchedManifest in
            let call = RegistryCall(method: .GET, path: "/v2/\(repo.path)/manifests/\(reference)",
                                    headers: [("Accept", RegistryClient.manifestAccept)], scope: AuthScope(repository: repo.path, push: false))
            let r = try perform(call, on: ep, domain: repo.domain)
            guard r.status == 200 else { throw failure(r, what: what, domain: repo.domain, manifest: asked == nil ? "tag" : "manifest") }
            if let len = r.header("Content-Length").flatMap({ Int($0) }), len > RegistryClient.maxManifestBytes {
                r.exchange.cancel()
                throw HiveError(.corrupt, "manifest of \(what) is larger than 4 MiB (\(len) bytes); hive refuses it")
            }
            let bytes: [UInt8]
            do throws(HTTPFailure) { bytes = try r.exchange.body(limit: RegistryClient.maxManifestBytes) } catch {
                if case .tooLarge = error { throw HiveError(.corrupt, "manifest of \(what) is larger than 4 MiB; hive refuses it") }
                throw transportError(error, url: r.url)
            }
            let digest = Digest.of(bytes)
            if let asked, asked != digest { throw HiveError.digestMismatch("manifest \(what) from \(ep.host)", got: digest) }
            if asked == nil, let h = r.header("Docker-Content-Digest"), let claimed = try? Digest(parsing: h), claimed != digest {
                throw HiveError(.corrupt, "manifest of \(what) from \(ep.host) does not match the Docker-Content-Digest it came with (\(claimed); its content hashes to \(digest))")
            }
            return FetchedManifest(bytes: bytes, mediaType: RegistryClient.mediaType(r.header("Content-Type"), bytes), digest: digest)
        }
    }

    /// The Content-Type when it names a manifest type, else the document's own mediaType.
    static func mediaType(_ contentType: String?, _ bytes: [UInt8]) -> String {
        let ct = contentType.map { String($0.split(separator: ";").first ?? "").trimmingSpacesString() } ?? ""
        if ct.hasPrefix("application/vnd.") { return ct }
        return (try? JSONValue.parse(bytes))?["mediaType"]?.stringValue ?? ct
    }

    func headManifest(_ repo: RepositoryRef, reference: String) throws(HiveError) -> (digest: Digest, mediaType: String, size: Int64)? {
        let asked = try RegistryClient.digestReference(repo, reference)
        let what = RegistryClient.name(repo, reference)
        return try onEndpoints(repo.domain, pull: true) { (ep) throws(HiveError) -> (digest: Digest, mediaType: String, size: Int64)? in
            let call = RegistryCall(method: .HEAD, path: "/v2/\(repo.path)/manifests/\(reference)",
                                    headers: [("Accept", RegistryClient.manifestAccept)], scope: AuthScope(repository: repo.path, push: false))
            let r = try perform(call, on: ep, domain: repo.domain)
            r.exchange.drain()
            if r.status == 404 { return nil }
            guard r.status == 200 else { throw failure(r, what: what, domain: repo.domain) }
            let size = r.header("Content-Length").flatMap { Int64($0) } ?? -1
            if let d = r.header("Docker-Content-Digest").flatMap({ try? Digest(parsing: $0) }) ?? asked, size >= 0 {
                return (d, r.header("Content-Type") ?? "", size)
            }
            // No digest in the headers: the manifest itself says it.
            let m = try fetchManifest(repo, reference: reference)
            return (m.digest, m.mediaType, Int64(m.bytes.count))
        }
    }

    func sendManifest(_ repo: RepositoryRef, reference: String, bytes: [UInt8], mediaType: String) throws(HiveError) -> Digest {
        let digest = Digest.of(bytes)
        if let asked = try RegistryClient.digestReference(repo, reference), asked != digest {
            throw HiveError.digestMismatch("manifest pushed as \(RegistryClient.name(repo, reference))", got: digest)
        }
        let what = RegistryClient.name(repo, reference)
        return try onEndpoints(repo.domain, pull: false) { (ep) throws(HiveError) -> Digest in
            let call = RegistryCall(method: .PUT, path: "/v2/\(repo.path)/manifests/\(reference)",
                                    headers: [("Content-Type", mediaType)], body: bytes, scope: AuthScope(repository: repo.path, push: true))
            let r = try perform(call, on: ep, domain: repo.domain)
            guard r.status == 201 || r.status == 200 else { throw failure(r, what: what, domain: repo.domain) }
            r.exchange.drain()
            if let h = r.header("Docker-Content-Digest"), let claimed = try? Digest(parsing: h), claimed != digest {
                throw HiveError(.corrupt, "\(repo.domain) stored manifest \(what) as \(claimed), but its bytes hash to \(digest)")
            }
            return digest
        }
    }

    func listTags(_ repo: RepositoryRef) throws(HiveError) -> [String] {
        try onEndpoints(repo.domain, pull: true) { (ep) throws(HiveError) -> [String] in
            var tags: [String] = []
            var path = "/v2/\(repo.path)/tags/list?n=1000"
            for _ in 0..<10_000 {
                let r = try perform(RegistryCall(method: .GET, path: path, scope: AuthScope(repository: repo.path, push: false)),
                                    on: ep, domain: repo.domain)
                guard r.status == 200 else { throw failure(r, what: repo.description, domain: repo.domain) }
                let body: [UInt8]
                do throws(HTTPFailure) { body = try r.exchange.body(limit: 16 << 20) } catch { throw transportError(error, url: r.url) }
                guard let doc = try? JSONValue.parse(body), let list = doc["tags"] else {
                    throw HiveError(.corrupt, "\(repo.domain) sent a tag list of \(repo) that is not JSON")
                }
                tags += (list.arrayValue ?? []).compactMap(\.stringValue)
                guard let next = r.header("Link").flatMap(LinkHeader.next) else { return tags }
                path = RegistryClient.resolve(next, against: r.url)
            }
            throw HiveError(.unavailable, "\(repo.domain) paginates the tags of \(repo) without end")
        }
    }

    /// A response that is not what was asked for, as an error naming `what`
    /// with the registry's own words. `manifest`: "tag" or "manifest" for 404s of manifests.
    func failure(_ r: RegistryResponse, what: String, domain: String, manifest: String? = nil) -> HiveError {
        let body = (try? r.exchange.body(limit: 64 << 10)) ?? []
        let parsed = RegistryErrorBody.parse(body)
        let words = parsed?.summary ?? RegistryClient.printable(body, or: "HTTP \(r.status)")
        let codes = parsed?.codes ?? []
        switch r.status {
        case 401:
            let logged = (try? credentialsFor(domain)) != nil
            return logged
                ? HiveError(.auth, "authentication to \(domain) failed: \(words) (check the user name and password: hive login \(domain))")
                : HiveError(.auth, "\(domain) requires a login for \(what): \(words) (hive login \(domain))")
        case 403:
            return HiveError(.auth, "\(domain) denied access to \(what): \(words) (hive login \(domain) with an account that may)")
        case 404 where manifest != nil || codes.contains("MANIFEST_UNKNOWN") || codes.contains("NAME_UNKNOWN"):
            let kind = codes.contains("NAME_UNKNOWN") ? "repository unknown (the registry has no such repository)"
                : manifest == "tag" ? "manifest unknown (the registry has no such tag)" : "manifest unknown (the registry has no such manifest)"
            return HiveError(.notFound, "\(what): \(kind)")
        case 404:
            return HiveError(.notFound, "\(what) not found on \(domain): \(words)")
        case 429:
            return HiveError(.unavailable, "\(domain) refused \(what): too many requests (\(words)); try again later")
        default:
            return HiveError(.unavailable, "\(domain) answered HTTP \(r.status) for \(what): \(words)")
        }
    }
}
