// Layer compression for push (CHiveTar's compress.c): a layer's tar, from a
// file or rebuilt from its tar-split, compressed with gzip or zstd into a
// file descriptor while both sides are hashed (the tar's digest must be the
// layer's diffID; the output's is the blob's digest).
import CHiveTar
import Glibc
import HiveOCI
import HivePlatform

/// How a pushed layer is compressed.
public enum LayerCompression: String, Sendable, CaseIterable {
    case gzip, zstd

    /// The OCI media type of a layer compressed so.
    public var ociMediaType: String { self == .gzip ? MediaType.ociLayerGzip : MediaType.ociLayerZstd }
    /// Docker's (manifest v2 schema 2 has no zstd).
    public var dockerMediaType: String? { self == .gzip ? MediaType.dockerLayerGzip : nil }

    /// The compression a layer media type names; nil for a plain tar (or not a layer).
    public init?(mediaType: String) {
        switch mediaType {
        case MediaType.ociLayerGzip, MediaType.dockerLayerGzip, MediaType.dockerForeignLayer: self = .gzip
        case MediaType.ociLayerZstd: self = .zstd
        default: return nil
        }
    }

    /// The level used unless told otherwise: gzip (libdeflate) 1 and zstd 3 (measured:
    /// on loopback the time is spent compressing, not sending; see ImagePusher).
    public var defaultLevel: Int32 { self == .gzip ? 1 : 3 }
}

/// A layer as compressed: its tar's digest and size, and the blob's.
public struct CompressedLayer: Sendable, Equatable {
    public var diffID: Digest
    public var tarSize: Int64
    public var digest: Digest
    public var size: Int64
}

public enum LayerCompressor {
    /// Compresses the tar `feed` gives to `outFD`. `threads`: workers (0: in this
    /// thread; gzip is block-parallel, its output the same for any number).
    static func compress(_ kind: LayerCompression, level: Int32?, threads: Int32, to outFD: Int32, name: String,
                         feed: (OpaquePointer) -> Int32) throws(HiveError) -> CompressedLayer {
        var err = [CChar](repeating: 0, count: 256)
        guard let c = hive_compressor_new(outFD, kind == .gzip ? Int32(HIVE_COMPRESS_GZIP) : Int32(HIVE_COMPRESS_ZSTD),
                                          level ?? kind.defaultLevel, threads, &err, err.count) else {
            throw HiveError(.internal, "cannot compress \(name)", cause: String(cString: err))
        }
        defer { hive_compressor_free(c) }
        guard feed(c) == 0, hive_compressor_finish(c) == 0 else {
            let why = hive_compressor_error(c).map { String(cString: $0) } ?? "failed"
            throw HiveError(.io, "cannot compress \(name)", cause: why)
        }
        var tar = [UInt8](repeating: 0, count: 32), blob = [UInt8](repeating: 0, count: 32)
        var tarBytes: UInt64 = 0, blobBytes: UInt64 = 0
        hive_compressor_results(c, &tar, &tarBytes, &blob, &blobBytes)
        return CompressedLayer(diffID: Digest(raw: tar), tarSize: Int64(tarBytes), digest: Digest(raw: blob), size: Int64(blobBytes))
    }

    /// Compresses the whole tar file `tarFD` (read from its current offset).
    public static func compress(tarFD: Int32, _ kind: LayerCompression, level: Int32? = nil, threads: Int32 = 0,
                                to outFD: Int32, name: String) throws(HiveError) -> CompressedLayer {
        try compress(kind, level: level, threads: threads, to: outFD, name: name) { hive_compress_fd($0, tarFD) }
    }

    /// Compresses the tar rebuilt from the tar-split `splitFD` over the
    /// extracted files under `rootFD` (`paths`: the split's regular files, in order).
    public static func compress(splitFD: Int32, rootFD: Int32, paths: [String], _ kind: LayerCompression, level: Int32? = nil,
                                threads: Int32 = 0, to outFD: Int32, name: String) throws(HiveError) -> CompressedLayer {
        var cpaths = paths.map { strdup($0) } + [nil]  // never empty: a base address always
        defer { for p in cpaths { free(p) } }
        return try cpaths.withUnsafeMutableBufferPointer { buf throws(HiveError) in
            try buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { (p) throws(HiveError) in
                try compress(kind, level: level, threads: threads, to: outFD, name: name) {
                    hive_compress_split($0, splitFD, rootFD, p, paths.count)
                }
            }
        }
    }
}
