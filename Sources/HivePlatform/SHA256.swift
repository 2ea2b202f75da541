// Streaming SHA-256 for content addressing (HiveOCI.Digest wraps the result).
import CHivePlatform

/// Streaming SHA-256 (libcrypto underneath).
public final class SHA256 {
    private let ctx: OpaquePointer

    public init() { ctx = hive_sha256_new()! }
    deinit { hive_sha256_free(ctx) }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { hive_sha256_update(ctx, $0.baseAddress, $0.count) }
    }
    public func update(_ buf: UnsafeRawBufferPointer) {
        hive_sha256_update(ctx, buf.baseAddress, buf.count)
    }

    /// Finishes the hash (32 bytes); the object must not be updated afterwards.
    public func finalizeBytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { hive_sha256_final(ctx, $0.baseAddress) }
        return out
    }
}
