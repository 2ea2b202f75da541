// Blobs: GET streamed to a file descriptor on the calling thread (full-write
// loops; Range resume after a dropped connection, a stall or a 5xx; the size
// is enforced; the digest too with `verify`), small blobs in memory, HEAD,
// cross-repository mounts, and uploads (monolithic up to 8 MiB, else PATCH
// chunks that resume from the registry's offset after a failure).
#if canImport(Glibc)
import Glibc
#endif
import HiveOCI
import HivePlatform
import NIOCore
import NIOHTTP1

extension RegistryClient {
    static let monolithicUploadMax: Int64 = 8 << 20
    static let uploadChunk: Int64 = 16 << 20

    /// Where a blob download stands: kept across endpoints and reconnections.
    private final class Cursor {
        var written: Int64 = 0
        var restarts = 0
        let hasher: SHA256?
        init(verify: Bool) { hasher = verify ? SHA256() : nil }
    }

    func streamBlob(_ repo: RepositoryRef, _ desc: Descriptor, into fd: Int32, verify: Bool, progress: TransferProgress?) throws(HiveError) {
        guard desc.size >= 0 else { throw HiveError(.corrupt, "blob \(desc.digest) of \(repo): its descriptor gives a negative size") }
        let cursor = Cursor(verify: verify)
        try onEndpoints(repo.domain, pull: true) { (ep) throws(HiveError) in
            try streamBlob(repo, desc, from: ep, into: fd, cursor: cursor, progress: progress)
        }
        if let h = cursor.hasher {
            let got = h.finalize()
            if got != desc.digest { throw HiveError.digestMismatch("blob \(desc.digest) of \(repo)", got: got) }
        }
    }

    private func streamBlob(_ repo: RepositoryRef, _ desc: Descriptor, from ep: RegistryEndpoint, into fd: Int32,
                            cursor: Cursor, progress: TransferProgress?) throws(HiveError) {
        let what = "blob \(desc.digest) of \(repo)"
        while true {
            if cursor.written == desc.size, cursor.written > 0 { return }  // another endpoint finished it
            var call = RegistryCall(method: .GET, path: "/v2/\(repo.path)/blobs/\(desc.digest)", scope: AuthScope(repository: repo.path, push: false))
            if cursor.written > 0 { call.headers.append(("Range", "bytes=\(cursor.written)-")) }
            let r = try perform(call, on: ep, domain: repo.domain)
            switch r.status {
            case 200 where cursor.written > 0:
                r.exchange.cancel()
                throw HiveError(.unavailable, "\(repo.domain) ignored the Range request for \(what) and sent it from byte 0 after \(cursor.written) bytes were written; pull again")
            case 200:
                break
            case 206:
                let start = r.header("Content-Range").flatMap(RegistryClient.rangeStart)
                guard start == cursor.written else {
                    r.exchange.cancel()
                    throw HiveError(.unavailable, "\(repo.domain) resumed \(what) at the wrong offset (\(r.header("Content-Range") ?? "no Content-Range"), asked for \(cursor.written))")
                }
            case 404:
                throw failure(r, what: what, domain: repo.domain)
            default:
                throw failure(r, what: what, domain: repo.domain)
            }
            if let len = r.header("Content-Length").flatMap({ Int64($0) }), cursor.written + len > desc.size {
                r.exchange.cancel()
                throw HiveError(.corrupt, "\(repo.domain) sends \(what) as \(cursor.written + len) bytes, but its descriptor says \(desc.size)")
            }
            var dropped: HiveError?
            do {
                while let part = try r.exchange.next() {
                    let n = Int64(part.readableBytes)
                    guard cursor.written + n <= desc.size else {
                        r.exchange.cancel()
                        throw HiveError(.corrupt, "\(repo.domain) sent more bytes of \(what) than its descriptor says (\(desc.size))")
                    }
                    try part.withUnsafeReadableBytes { (buf) throws(HiveError) in
                        try RegistryClient.writeAll(fd, buf, what: what)
                        cursor.hasher?.update(buf)
                    }
                    cursor.written += n
                    progress?(cursor.written)
                }
            } catch let e as HTTPFailure {
                dropped = transportError(e, url: r.url)
            } catch let e as HiveError {
                r.exchange.cancel()
                throw e
            } catch {
                r.exchange.cancel()
                throw HiveError.from(error)
            }
            if dropped == nil, cursor.written == desc.size { return }
            let reason = dropped?.description ?? "the connection ended after \(cursor.written) of \(desc.size) bytes"
            guard cursor.restarts < RegistryClient.retryDelaysMillis.count + 1 else {
                throw HiveError(dropped?.code ?? .unavailable, "\(repo.domain) did not send all of \(what) (\(cursor.written) of \(desc.size) bytes after \(cursor.restarts + 1) attempts)", cause: reason)
            }
            logger.debug("registry: \(what): \(reason); resuming at byte \(cursor.written)")
            RegistryClient.sleepMillis(RegistryClient.retryDelaysMillis[min(cursor.restarts, RegistryClient.retryDelaysMillis.count - 1)])
            cursor.restarts += 1
        }
    }

    /// The first byte of a Content-Range (`bytes 100-199/200`).
    static func rangeStart(_ header: String) -> Int64? {
        var h = Substring(header).trimmingSpaces()
        if h.hasPrefix("bytes") { h = h.dropFirst(5).trimmingSpaces() }
        return h.split(separator: "-").first.flatMap { Int64($0) }
    }

    /// write(2) until all of `buf` is written (partial writes, EINTR).
    static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, what: String) throws(HiveError) {
        var off = 0
        while off < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw HiveError.errno("cannot write \(what)")
            }
            off += n
        }
    }

    func smallBlob(_ repo: RepositoryRef, _ desc: Descriptor, limit: Int64) throws(HiveError) -> [UInt8] {
        let what = "blob \(desc.digest) of \(repo)"
        guard desc.size >= 0, desc.size <= limit else {
            throw HiveError(.corrupt, "\(what) is \(desc.size) bytes by its descriptor; hive reads at most \(limit) here")
        }
        return try onEndpoints(repo.domain, pull: true) { (ep) throws(HiveError) -> [UInt8] in
            let r = try perform(RegistryCall(method: .GET, path: "/v2/\(repo.path)/blobs/\(desc.digest)",
                                             scope: AuthScope(repository: repo.path, push: false)), on: ep, domain: repo.domain)
            guard r.status == 200 else { throw failure(r, what: what, domain: repo.domain) }
            let bytes: [UInt8]
            do throws(HTTPFailure) { bytes = try r.exchange.body(limit: Int(desc.size)) } catch {
                if case .tooLarge = error { throw HiveError(.corrupt, "\(repo.domain) sent more bytes of \(what) than its descriptor says (\(desc.size))") }
                throw transportError(error, url: r.url)
            }
            try desc.verify(size: Int64(bytes.count), digest: Digest.of(bytes), what: what)
            return bytes
        }
    }

    func headBlob(_ repo: RepositoryRef, _ digest: Digest) throws(HiveError) -> Int64? {
        try onEndpoints(repo.domain, pull: false) { (ep) throws(HiveError) -> Int64? in
            let r = try perform(RegistryCall(method: .HEAD, path: "/v2/\(repo.path)/blobs/\(digest)",
                                             scope: AuthScope(repository: repo.path, push: true)), on: ep, domain: repo.domain)
            r.exchange.drain()
            if r.status == 404 { return nil }
            guard r.status == 200 else { throw failure(r, what: "blob \(digest) of \(repo)", domain: repo.domain) }
            return r.header("Content-Length").flatMap { Int64($0) } ?? 0
        }
    }

    func mount(_ repo: RepositoryRef, _ digest: Digest, fromPath: String) throws(HiveError) -> Bool {
        try onEndpoints(repo.domain, pull: false) { (ep) throws(HiveError) -> Bool in
            let scope = AuthScope(repository: repo.path, push: true, from: fromPath)
            let path = "/v2/\(repo.path)/blobs/uploads/?mount=\(RegistryClient.queryEscape(digest.description))&from=\(RegistryClient.queryEscape(fromPath))"
            let r = try perform(RegistryCall(method: .POST, path: path, scope: scope, repeatable: false), on: ep, domain: repo.domain)
            switch r.status {
            case 201:
                r.exchange.drain()
                return true
            case 202:
                r.exchange.drain()
                if let loc = r.header("Location") {
                    let del = try? perform(RegistryCall(method: .DELETE, path: RegistryClient.resolve(loc, against: r.url), scope: scope),
                                           on: ep, domain: repo.domain)
                    del?.exchange.drain()
                }
                return false
            default:
                throw failure(r, what: "mount of blob \(digest) into \(repo)", domain: repo.domain)
            }
        }
    }

    func upload(_ repo: RepositoryRef, digest: Digest, size: Int64, from fd: Int32, progress: TransferProgress?) throws(HiveError) {
        let what = "blob \(digest) to \(repo)"
        try onEndpoints(repo.domain, pull: false) { (ep) throws(HiveError) in
            let scope = AuthScope(repository: repo.path, push: true)
            let start = try perform(RegistryCall(method: .POST, path: "/v2/\(repo.path)/blobs/uploads/", scope: scope), on: ep, domain: repo.domain)
            guard start.status == 202, var location = start.header("Location").map({ RegistryClient.resolve($0, against: start.url) }) else {
                throw failure(start, what: "upload of \(what)", domain: repo.domain)
            }
            start.exchange.drain()
            var offset: Int64 = 0
            if size > RegistryClient.monolithicUploadMax {
                var failures = 0
                while offset < size {
                    let n = min(RegistryClient.uploadChunk, size - offset)
                    let chunk = try RegistryClient.readChunk(fd, offset: offset, count: Int(n), what: what)
                    let call = RegistryCall(method: .PATCH, path: location,
                                            headers: [("Content-Type", "application/octet-stream"), ("Content-Range", "\(offset)-\(offset + n - 1)")],
                                            body: chunk, scope: scope, repeatable: false)
                    do throws(HiveError) {
                        let r = try perform(call, on: ep, domain: repo.domain)
                        guard r.status == 202 || r.status == 204 else { throw failure(r, what: "upload of \(what)", domain: repo.domain) }
                        r.exchange.drain()
                        if let loc = r.header("Location") { location = RegistryClient.resolve(loc, against: r.url) }
                        offset = r.header("Range").flatMap(RegistryClient.rangeEnd).map { $0 + 1 } ?? offset + n
                        progress?(offset)
                    } catch {
                        failures += 1
                        guard failures <= RegistryClient.retryDelaysMillis.count, error.code == .unavailable || error.code == .timeout else { throw error }
                        logger.debug("registry: chunk of \(what) failed (\(error.description)); asking where the upload stands")
                        RegistryClient.sleepMillis(RegistryClient.retryDelaysMillis[failures - 1])
                        let st = try perform(RegistryCall(method: .GET, path: location, scope: scope), on: ep, domain: repo.domain)
                        guard st.status == 204 || st.status == 202 else { throw failure(st, what: "upload of \(what)", domain: repo.domain) }
                        st.exchange.drain()
                        if let loc = st.header("Location") { location = RegistryClient.resolve(loc, against: st.url) }
                        offset = st.header("Range").flatMap(RegistryClient.rangeEnd).map { $0 + 1 } ?? 0
                    }
                }
            }
            // The rest (all of a small blob) with the closing PUT.
            let body = offset < size ? try RegistryClient.readChunk(fd, offset: offset, count: Int(size - offset), what: what) : []
            let headers = [("Content-Type", "application/octet-stream")]
            let put = location + (location.contains("?") ? "&" : "?") + "digest=" + RegistryClient.queryEscape(digest.description)
            let r = try perform(RegistryCall(method: .PUT, path: put, headers: headers, body: body, scope: scope, repeatable: false),
                                on: ep, domain: repo.domain)
            guard r.status == 201 || r.status == 204 || r.status == 200 else { throw failure(r, what: "upload of \(what)", domain: repo.domain) }
            r.exchange.drain()
            if let h = r.header("Docker-Content-Digest"), let claimed = try? Digest(parsing: h), claimed != digest {
                throw HiveError(.corrupt, "\(repo.domain) stored \(what) as \(claimed)")
            }
            progress?(size)
        }
    }

    /// The last byte of a Range header (`0-1023` or `bytes=0-1023`).
    static func rangeEnd(_ header: String) -> Int64? {
        var h = Substring(header).trimmingSpaces()
        if h.hasPrefix("bytes=") { h = h.dropFirst(6) }
        let parts = h.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? Int64(parts[1]) : nil  // "0--1": nothing yet (distribution's form)
    }

    /// `count` bytes of `fd` from `offset` (pread, so a chunk can be read again).
    static func readChunk(_ fd: Int32, offset: Int64, count: Int, what: String) throws(HiveError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        let failed: Int32? = out.withUnsafeMutableBytes { buf -> Int32? in
            while done < count {
                let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { return 0 }
                done += n
            }
            return nil
        }
        if let e = failed {
            if e == 0 { throw HiveError(.io, "\(what): the file ends at byte \(offset + Int64(done)), before the \(count) bytes to send") }
            throw HiveError.errno("cannot read \(what)", e)
        }
        return out
    }
}
