// What a real registry will not do on demand, from a test's python server:
// a connection dropped mid-blob (resumed with Range), a stall (a timeout
// that resumes too), a server that ignores Range after bytes were written,
// 503s before an answer (retried), a redirect loop (a clear error).
#if canImport(Glibc)
import Glibc
#endif
import HiveOCI
import HivePlatform
import Testing
@testable import HiveRegistry

@Suite(.serialized, .enabled(if: PythonServer.available, "python3 is not installed"))
struct RegistryResumeTests {
    static let server = #"""
    import sys, time, re
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    port, d = int(sys.argv[1]), sys.argv[2]
    blob = open(d + "/blob", "rb").read()
    seen = {}
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            m = re.match(r"^/v2/(\w+)/blobs/", self.path)
            if not m:
                self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers(); return
            mode = m.group(1)
            n = seen[mode] = seen.get(mode, 0) + 1
            rng = self.headers.get("Range")
            if mode == "loop":
                self.send_response(302); self.send_header("Location", self.path); self.send_header("Content-Length", "0"); self.end_headers(); return
            if mode == "flaky" and n <= 2:
                self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers(); return
            start = int(rng[len("bytes="):].split("-")[0]) if rng and mode != "norange" else 0
            if start:
                self.send_response(206); self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(blob) - 1, len(blob)))
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(blob) - start)); self.end_headers()
            body = blob[start:]
            if n == 1 and mode in ("drop", "stall", "norange"):
                self.wfile.write(body[:len(body) // 3]); self.wfile.flush()
                if mode == "stall": time.sleep(30)
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)
    ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
    """#

    func fetch(_ mode: String, stallNanos: Int64 = 30_000_000_000) throws -> ([UInt8], [UInt8]) {
        let dir = try LoopbackRegistry.tempDir()
        defer { _ = try? HostProcess.run(["/bin/rm", "-rf", dir], environment: [], timeoutNanos: 10_000_000_000, what: "rm") }
        let blob = RegistryClientTests.bytes(600_000, seed: 21)
        try LoopbackRegistry.write(dir + "/blob", "")
        let fd = open(dir + "/blob", O_WRONLY | O_TRUNC)
        _ = blob.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let server = try PythonServer(script: RegistryResumeTests.server, dir: dir)
        var t = RegistryTimeouts()
        t.stallNanos = stallNanos
        let c = RegistryClient(settings: RegistrySettings(), credentials: nil, logger: .discard, timeouts: t)
        defer { c.shutdown() }
        let desc = Descriptor(mediaType: "x", digest: Digest.of(blob), size: Int64(blob.count))
        let got = try RegistryClientTests().fetchThroughPipe(c, RepositoryRef(domain: "127.0.0.1:\(server.port)", path: mode), desc, verify: true)
        return (got, blob)
    }

    @Test func aDroppedConnectionResumesWithRange() throws {
        let (got, blob) = try fetch("drop")
        #expect(got == blob)
    }

    @Test func aStallIsATimeoutThatResumes() throws {
        let t0 = HostProcess.monotonicNanos()
        let (got, blob) = try fetch("stall", stallNanos: 500_000_000)
        #expect(got == blob)
        #expect(HostProcess.monotonicNanos() - t0 < 10_000_000_000)
    }

    @Test func fiveHundredsAreRetried() throws {
        let (got, blob) = try fetch("flaky")
        #expect(got == blob)
    }

    @Test func aServerIgnoringRangeAfterBytesFails() throws {
        do {
            _ = try fetch("norange")
            Issue.record("a restarted body was appended")
        } catch let e as HiveError {
            #expect(e.message.contains("ignored the Range request"), "\(e)")
        }
    }

    @Test func aRedirectLoopIsNamed() throws {
        do {
            _ = try fetch("loop")
            Issue.record("a redirect loop ended")
        } catch let e as HiveError {
            #expect(e.message.contains("redirected") && e.message.contains("loop"), "\(e)")
        }
    }
}
