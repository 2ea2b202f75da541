// Layer ingest: one stream in (a file or pipe, or an entry of an enclosing
// image archive) -> decompressed, hashed (the diffID; a compressed input's
// blob digest too), tar-split and extracted by the safe extractor in one pass
// into a temp layer under tmp/, checked, then renamed into layers/
// (LayerStore.swift). Used by import, load, commit and build (through
// makeImage, Store+MakeImage.swift), and next by pull.
// Nothing is visible until the image row is committed (Store+Images.swift);
// a failure leaves only temp files, removed with the ingest's temp dir.
//
// Threads. The file phase touches only files: `ingestLayerFiles` (and the
// `extractLayer`/`finishLayer` it is made of) may run on several threads at
// once for one store and one tmp, with distinct temp layer names (which
// ingestLayerFiles picks per call unless told); two layers with one chainID
// race to one rename (LayerStore.swift). The store's one SQLite connection
// (opened NOMUTEX) is the caller's thread's: `ingestLayer`, `settleLayer`,
// `layerSize` and the image commits run there, one at a time. A pull fetches
// and ingests N layers with `ingestLayerFiles` on N threads, then settles and
// commits them on its own.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

/// Where a layer's tar comes from.
public enum LayerInput {
    /// A tar read from `fd` (not closed), undoing gzip/zstd/xz/bzip2 if
    /// `decompress`; the uncompressed bytes are copied to `teeFD` unless -1.
    /// With `blob` (a layer's descriptor, e.g. a registry's), the bytes read
    /// from `fd` (compressed or not) must be that blob: its size and digest.
    case fd(Int32, decompress: Bool, teeFD: Int32, blob: Descriptor? = nil)
    /// The current entry of an image archive, of which `initial` was already
    /// read; copied to `teeFD` as it is read.
    case entry(ArchiveReader, initial: [UInt8], teeFD: Int32)
}

/// A layer ingested and in place (not yet referenced by an image).
public struct IngestedLayer {
    public var diffID: Digest
    public var chainID: Digest
    /// Bytes of the uncompressed tar; nil when the layer was stored already
    /// and its stream was only verified.
    public var tarSize: Int64?
    /// The digest and size of the bytes read (the compressed blob; the tar,
    /// and so the diffID, when the input was not compressed).
    public var blobDigest: Digest
    public var blobSize: Int64
    /// The layer row to record (its size is the content size).
    public var record: LayerRecord
}

extension Store {
    /// Runs `body` with a fresh temp dir under tmp/, the store lock held
    /// shared (no sweep removes what it stores before its image is recorded);
    /// afterwards the temp dir is removed. What a failed ingest stored goes
    /// at once if the store is idle; after a successful one the lock stays
    /// held (the command goes on using what it stored) and the next idle
    /// command sweeps.
    public func withIngest<T>(_ body: (_ tmp: String) throws -> T) throws -> T {
        try lockShared()
        markPending()
        let tmp = try makeTempDir()
        var failed = true
        defer {
            try? FileTree.remove(path: tmp)
            sweepIfIdle(yieldingLock: failed)
        }
        let result = try body(tmp)
        failed = false
        return result
    }

    /// Extracts a layer stream into a fresh temp layer `tempName` in `tmp`
    /// (decompress -> hash -> tar-split -> extract, in one pass); returns the
    /// extracted layer (not yet in place) and what the stream hashed to.
    public func extractLayer(_ input: LayerInput, tmp: String, tempName: String, name: String) throws(HiveError)
        -> (ExtractedLayer, StreamDigests) {
        try withLayerTemp(input, tmp: tmp, tempName: tempName, name: name) { (layerTemp, diffFD, stream) throws(HiveError) in
            let (diffID, stats, tarSize) = try stream.extract(into: diffFD, name: name)
            let splitPaths = stream.splitPaths(stats)  // flushes the split: before closing its fd
            return (ExtractedLayer(dir: layerTemp, contentSize: stats.contentSize, splitPaths: splitPaths),
                    try StreamDigests(stream, diffID: diffID, tarSize: tarSize, name: name))
        }
    }

    /// A fresh temp layer `tempName` in `tmp` (its diff/ open, its tar-split
    /// open) and a stream of `input` that writes the split, for `body`.
    private func withLayerTemp<T>(_ input: LayerInput, tmp: String, tempName: String, name: String,
                                  _ body: (String, Int32, LayerStream) throws(HiveError) -> T) throws(HiveError) -> T {
        let (layerTemp, diffFD) = try makeLayerTemp(in: tmp, name: tempName)
        defer { close(diffFD) }
        let splitFD = try createSplit(tempLayerDir: layerTemp)
        defer { close(splitFD) }
        let stream = try LayerStream(input, splitFD: splitFD, name: name)
        return try body(layerTemp, diffFD, stream)
    }

    /// Ingests one layer on top of the layer `parent` (a chainID; nil for a
    /// bottom layer). With `expectedDiffID`, a stream that hashes to anything
    /// else is refused (the diff_id named `expectedFrom`, e.g. "in the image
    /// config") and nothing is stored; a layer already stored is then only
    /// verified, not extracted again. A `.fd` input with a `blob` descriptor
    /// is refused the same way when the bytes read are not that blob. An
    /// empty stream is refused unless `allowEmpty`. `tempName` (the temp
    /// layer's name in `tmp`) is unique unless given. Uses the database: on
    /// the store's thread (`ingestLayerFiles` + `settleLayer` split it).
    public func ingestLayer(_ input: LayerInput, tmp: String, name: String, parent: Digest? = nil,
                            expectedDiffID: Digest? = nil, expectedFrom: String? = nil,
                            allowEmpty: Bool = true, tempName: String? = nil) throws(HiveError) -> IngestedLayer {
        let stored = try expectedDiffID.flatMap { (d) throws(HiveError) -> Int64? in
            let chainID = Digest.chainID(d, parent: parent)
            return hasLayer(chainID) ? try layerSize(chainID) : nil
        }
        return try settleLayer(ingestLayerFiles(input, tmp: tmp, name: name, parent: parent, expectedDiffID: expectedDiffID,
                                                expectedFrom: expectedFrom, storedSize: stored, allowEmpty: allowEmpty, tempName: tempName))
    }

    /// The file phase of `ingestLayer` (no database: may run on several
    /// threads at once). `storedSize`, the recorded size of the layer that
    /// `expectedDiffID` names when it is stored already (the caller looks it
    /// up: `layerSize`), lets the stream be only verified. The layer's
    /// `record.size` is its content size until `settleLayer`.
    public func ingestLayerFiles(_ input: LayerInput, tmp: String, name: String, parent: Digest? = nil,
                                 expectedDiffID: Digest? = nil, expectedFrom: String? = nil, storedSize: Int64? = nil,
                                 allowEmpty: Bool = true, tempName: String? = nil) throws(HiveError) -> IngestedLayer {
        func check(_ d: StreamDigests) throws(HiveError) {
            if case .fd(_, _, _, let blob?) = input { try blob.verify(size: d.blobSize, digest: d.blobDigest, what: name) }
            if let expectedDiffID, d.diffID != expectedDiffID {
                throw HiveError.diffIDMismatch(name, expected: expectedDiffID, from: expectedFrom, got: d.diffID)
            }
        }
        func ingested(_ d: StreamDigests, tarSize: Int64?, size: Int64) -> IngestedLayer {
            let chainID = Digest.chainID(d.diffID, parent: parent)
            return IngestedLayer(diffID: d.diffID, chainID: chainID, tarSize: tarSize, blobDigest: d.blobDigest, blobSize: d.blobSize,
                                 record: LayerRecord(chainID: chainID, diffID: d.diffID, parent: parent, size: size))
        }
        if let storedSize, expectedDiffID != nil, case .fd(let fd, let decompress, -1, _) = input {
            let stream = try LayerStream(fd: fd, decompress: decompress, name: name)
            let got = try stream.digest(name: name)
            let d = try StreamDigests(stream, diffID: got, tarSize: stream.bytes, name: name)
            try check(d)
            return ingested(d, tarSize: nil, size: storedSize)
        }
        let tempName = tempName ?? "ingest-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let (layer, d) = try extractLayer(input, tmp: tmp, tempName: tempName, name: name)
        try check(d)
        guard allowEmpty || d.tarSize > 0 else { throw HiveError(.corrupt, "\(name) is empty (expected a tar archive)") }
        try finishLayer(tempLayerDir: layer.dir, chainID: Digest.chainID(d.diffID, parent: parent), splitPaths: layer.splitPaths)
        return ingested(d, tarSize: d.tarSize, size: layer.contentSize)
    }

    /// The database phase of `ingestLayer`, on the store's thread: a layer
    /// extracted by `ingestLayerFiles` takes the size its row records if it
    /// was stored already (the first extraction's count stays).
    public func settleLayer(_ layer: IngestedLayer) throws(HiveError) -> IngestedLayer {
        guard layer.tarSize != nil, let size = try layerSize(layer.chainID) else { return layer }
        var layer = layer
        layer.record.size = size
        return layer
    }


    /// Keeps a layer's uncompressed tar, the temp file `tempPath`, as its blob
    /// when the layer cannot rebuild it from its tar-split. With `rereading`
    /// (a seekable input that was not copied while it was ingested), the
    /// input is read again into `fd` first and must hash to the same diffID.
    public func keepLayerTar(_ layer: IngestedLayer, tempPath: String, fd: Int32? = nil,
                             rereading source: Int32? = nil, name: String) throws(HiveError) {
        guard !hasSplit(layer.chainID) else { return }
        let opened = fd == nil ? open(tempPath, O_RDONLY | O_CLOEXEC) : -1
        defer { if opened >= 0 { close(opened) } }
        let fd = fd ?? opened
        if let source {
            guard lseek(source, 0, SEEK_SET) == 0 else { throw HiveError.errno("cannot re-read \(name)") }
            let again = try LayerStream(fd: source, decompress: true, teeFD: fd, name: name)
            guard try again.digest(name: name) == layer.diffID else {
                throw HiveError(.corrupt, "\(name) changed while it was being imported")
            }
        }
        try commitBlob(tempPath: tempPath, fd: fd, digest: layer.diffID)
    }

    /// Copies the current entry of `reader` (of which `initial` was read) to
    /// `copy` while extracting it as a layer, before the archive's manifest
    /// says whether it is one. If it does not extract (not a layer, or a
    /// hostile one), the copy still completes; the error comes back if the
    /// manifest names it as a layer.
    public func extractWhileCopying(_ reader: ArchiveReader, initial: [UInt8], to w: BlobWriter, tmp: String,
                                    index: Int, entry: String) throws -> ArchiveFile {
        try withLayerTemp(.entry(reader, initial: initial, teeFD: w.fd), tmp: tmp, tempName: "spec-\(index)", name: entry) {
            (layerTemp, diffFD, stream) throws(HiveError) in
            var failure: HiveError? = nil
            do throws(HiveError) {
                let (digest, stats, size) = try stream.extract(into: diffFD, name: entry)
                let paths = stream.splitPaths(stats)
                return ArchiveFile(digest: digest, size: size, tempPath: w.tempPath,
                                   extracted: ExtractedLayer(dir: layerTemp, contentSize: stats.contentSize, splitPaths: paths))
            } catch {
                failure = error
            }
            if let failure, failure.code == .unsafeContent || failure.code == .corrupt {
                // Finish the copy; a truncated outer archive fails here for good.
                let digest = try stream.digest(name: entry)
                try? FileTree.remove(path: layerTemp)
                var st = stat()
                fstat(w.fd, &st)
                return ArchiveFile(digest: digest, size: Int64(st.st_size), tempPath: w.tempPath)
            }
            throw failure!
        }
    }

    /// Moves a file read from an image archive into blobs/ (if not there yet); returns the blob path.
    @discardableResult
    public func storeFile(_ f: ArchiveFile, tmp: String) throws(HiveError) -> String {
        if hasBlob(f.digest) { return blobPath(f.digest) }
        if let b = f.bytes { try putBlob(b, tempDir: tmp) } else if let p = f.tempPath {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            try commitBlob(tempPath: p, fd: fd, digest: f.digest)
        }
        return blobPath(f.digest)
    }
}

/// What a layer stream hashed to: the tar (the diffID) and the bytes read
/// (the blob; the tar itself when it was not compressed).
public struct StreamDigests: Equatable {
    public var diffID: Digest
    public var tarSize: Int64
    public var blobDigest: Digest
    public var blobSize: Int64

    /// After `stream` was read to its end (its digest `diffID`, `tarSize` bytes).
    init(_ stream: LayerStream, diffID: Digest, tarSize: Int64, name: String) throws(HiveError) {
        self.diffID = diffID
        self.tarSize = tarSize
        (blobDigest, blobSize) = try stream.blob(name: name) ?? (diffID, tarSize)
    }
}

extension LayerStream {
    convenience init(_ input: LayerInput, splitFD: Int32, name: String) throws(HiveError) {
        switch input {
        case .fd(let fd, let decompress, let teeFD, _):
            try self.init(fd: fd, decompress: decompress, teeFD: teeFD, splitFD: splitFD, name: name)
        case .entry(let reader, let initial, let teeFD):
            try self.init(entryOf: reader, initial: initial, teeFD: teeFD, splitFD: splitFD, name: name)
        }
    }
}
