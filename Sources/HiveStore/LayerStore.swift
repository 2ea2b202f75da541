// Unpacked layers keyed by chainID, shared by every image that has them.
import Glibc
import HiveArchive
import HiveOCI

extension Store {
    public func layerDir(_ chainID: Digest) -> String { layersDir + "/" + chainID.hex }
    public func layerDiffDir(_ chainID: Digest) -> String { layerDir(chainID) + "/diff" }

    public func hasLayer(_ chainID: Digest) -> Bool { access(layerDiffDir(chainID), F_OK) == 0 }

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
