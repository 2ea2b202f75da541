// Unpacked layers keyed by chainID, shared by every image that has them.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

extension Store {
    public func layerDir(_ chainID: Digest) -> String { layersDir + "/" + chainID.hex }
    public func layerDiffDir(_ chainID: Digest) -> String { layerDir(chainID) + "/diff" }

    public func hasLayer(_ chainID: Digest) -> Bool { access(layerDiffDir(chainID), F_OK) == 0 }

    /// Whether the layer can rebuild its exact uncompressed tar (its tar-split is complete).
    public func hasSplit(_ chainID: Digest) -> Bool { access(layerDir(chainID) + "/tar-split.paths", F_OK) == 0 }

    /// Records the paths a finished tar-split references (the marker that it is complete).
    public func writeSplitPaths(tempLayerDir: String, _ paths: [String]) throws(HiveError) {
        var bytes: [UInt8] = []
        for p in paths { bytes += Array(p.utf8); bytes.append(0) }
        let w = try BlobWriter(path: tempLayerDir + "/tar-split.paths")
        try w.write(bytes)
    }

    /// The paths of a layer's tar-split.
    public func splitPaths(_ chainID: Digest) throws(HiveError) -> [String] {
        guard let bytes = Files.read(layerDir(chainID) + "/tar-split.paths") else {
            throw HiveError.errno("cannot read the tar-split of layer \(chainID)")
        }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    /// A fresh layer directory in `tempDir`: returns (path of the layer dir, fd of its diff/).
    public func makeLayerTemp(in tempDir: String, name: String) throws(HiveError) -> (String, Int32) {
        let dir = tempDir + "/" + name
        guard mkdir(dir, 0o700) == 0, mkdir(dir + "/diff", 0o755) == 0 else {
            throw HiveError.errno("cannot create layer directory in \(tempDir)")
        }
        let fd = open(dir + "/diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HiveError.errno("cannot open layer directory in \(tempDir)") }
        return (dir, fd)
    }

    /// Opens the tar-split file of a layer being extracted.
    public func createSplit(tempLayerDir: String) throws(HiveError) -> Int32 {
        let fd = open(tempLayerDir + "/tar-split", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HiveError.errno("cannot create a tar-split in \(tempLayerDir)") }
        return fd
    }

    /// Completes an extracted layer: records its split (or drops an unfaithful
    /// one) and moves it into place unless the chainID is already stored.
    public func finishLayer(tempLayerDir: String, chainID: Digest, splitPaths: [String]?) throws(HiveError) {
        if hasLayer(chainID) {
            try FileTree.remove(path: tempLayerDir)
            return
        }
        if let splitPaths {
            try writeSplitPaths(tempLayerDir: tempLayerDir, splitPaths)
        } else {
            unlink(tempLayerDir + "/tar-split")
        }
        try commitLayer(tempLayerDir: tempLayerDir, chainID: chainID)
    }

    /// Moves an extracted layer into place. If another process stored the same
    /// chainID first, ours is discarded: each layer is stored once.
    public func commitLayer(tempLayerDir: String, chainID: Digest) throws(HiveError) {
        if rename(tempLayerDir, layerDir(chainID)) == 0 { return }
        let err = Glibc.errno
        if (err == EEXIST || err == ENOTEMPTY) && hasLayer(chainID) {
            try FileTree.remove(path: tempLayerDir)
            return
        }
        throw HiveError.errno("cannot store layer \(chainID)", err)
    }
}
