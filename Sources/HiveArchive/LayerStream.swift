// A layer tar read from an fd (optionally decompressed), hashed as it is read
// (the diffID) and optionally copied to a second fd (the blob being stored).
// A compressed input is hashed as it is read too (the blob digest).
import CArchive
import CHiveTar
import HiveOCI
import HivePlatform

public final class LayerStream {
    private let src: OpaquePointer

    /// - Parameters:
    ///   - fd: the input; not closed by the stream.
    ///   - decompress: undo gzip/zstd/xz/bzip2 if present.
    ///   - teeFD: where to copy the (decompressed) bytes, or -1.
    ///   - splitFD: where to write the tar-split, or -1.
    public init(fd: Int32, decompress: Bool, teeFD: Int32 = -1, splitFD: Int32 = -1, name: String) throws(HiveError) {
        var err = [CChar](repeating: 0, count: 256)
        guard let s = hive_src_open(fd, decompress ? 1 : 0, teeFD, splitFD, &err, err.count) else {
            throw HiveError(.corrupt, "cannot read \(name)", cause: String(cString: err))
        }
        src = s
    }

    /// A layer that is the current entry of `reader`, of which `initial` was already read.
    public init(entryOf reader: ArchiveReader, initial: [UInt8], teeFD: Int32, splitFD: Int32, name: String) throws(HiveError) {
        var err = [CChar](repeating: 0, count: 256)
        let s = initial.withUnsafeBytes { hive_src_open_entry(reader.a, $0.baseAddress, $0.count, teeFD, splitFD, &err, err.count) }
        guard let s else { throw HiveError(.corrupt, "cannot read \(name)", cause: String(cString: err)) }
        src = s
    }

    deinit { hive_src_free(src) }

    /// Reads the whole stream without extracting; returns its digest.
    public func digest(name: String) throws(HiveError) -> Digest {
        var err = [CChar](repeating: 0, count: 256)
        guard hive_src_drain(src, &err, err.count) == 0 else {
            throw HiveError(.corrupt, "cannot read \(name)", cause: String(cString: err))
        }
        var raw = [UInt8](repeating: 0, count: 32)
        hive_src_digest(src, &raw)
        return Digest(raw: raw)
    }

    /// Bytes of the (decompressed) stream read so far.
    public var bytes: Int64 { Int64(hive_src_bytes(src)) }

    /// After `digest` or `extract`: the digest and size of the bytes read from
    /// the fd (the compressed blob, to its end), or nil when the input was not
    /// decompressed (the blob is the tar: its digest is the diffID).
    public func blob(name: String) throws(HiveError) -> (Digest, Int64)? {
        var raw = [UInt8](repeating: 0, count: 32)
        var bytes: UInt64 = 0
        switch hive_src_raw_digest(src, &raw, &bytes) {
        case 0: return nil
        case 1: return (Digest(raw: raw), Int64(bytes))
        default: throw HiveError(.corrupt, "cannot read \(name)", cause: hive_src_error(src).map { String(cString: $0) } ?? "")
        }
    }

    /// Extracts the tar into `rootFD`, reads to the end, and returns the
    /// digest of every byte read (the diffID) and the stats.
    public func extract(into rootFD: Int32, name: String) throws(HiveError) -> (Digest, ExtractStats, Int64) {
        var err = [CChar](repeating: 0, count: 256)
        guard let tar = hive_src_tar(src, &err, err.count) else {
            throw HiveError(.corrupt, "\(name) is not a tar archive", cause: String(cString: err))
        }
        let stats: ExtractStats
        do {
            let extractor = LayerExtractor(rootFD: rootFD)
            let src = self.src
            extractor.nulNameCheck = {
                var raw: UnsafePointer<CChar>?
                var len = 0
                guard hive_src_nul_name(src, &raw, &len) != 0, let raw else { return nil }
                let whole = Array(UnsafeRawBufferPointer(start: raw, count: len))
                return (Array(whole.prefix(while: { $0 != 0 })), whole)
            }
            stats = try extractor.extract(from: tar)
        } catch {
            if let e = hive_src_error(src) { throw HiveError(.corrupt, "cannot read \(name)", cause: String(cString: e)) }
            throw error
        }
        return (try digest(name: name), stats, Int64(hive_src_bytes(src)))
    }

    /// After `extract`: the paths the tar-split references, if the split is
    /// complete and faithful (no sparse files, no entry replaced another's
    /// content, the same regular files libarchive reported).
    public func splitPaths(_ stats: ExtractStats) -> [String]? {
        guard hive_src_split_finish(src) == 0, !stats.replaced else { return nil }
        var count = 0
        guard let sizes = hive_src_split_sizes(src, &count), count == stats.contentFiles.count else {
            return stats.contentFiles.isEmpty && count == 0 ? [] : nil
        }
        for i in 0..<count where Int64(sizes[i]) != stats.contentFiles[i].1 { return nil }
        return stats.contentFiles.map(\.0)
    }
}
