// A stored layer compressed for push: its tar is the tar blob kept at
// import or build (its digest is the diffID), or rebuilt byte for byte from
// the tar-split over the extracted files (as `hive save` rebuilds one); the
// tar is checked against the diffID as it is compressed.
import Glibc
import HiveArchive
import HiveOCI
import HivePlatform

extension Store {
    /// Compresses layer `layer` into `outFD` (may run on several threads at once).
    public func compressLayer(_ layer: LayerRecord, _ kind: LayerCompression, level: Int32? = nil, threads: Int32 = 0,
                              to outFD: Int32) throws(HiveError) -> CompressedLayer {
        let name = "layer \(layer.diffID.shortID)"
        let out: CompressedLayer
        if hasBlob(layer.diffID) {
            let fd = open(blobPath(layer.diffID), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HiveError.errno("cannot read \(name)") }
            defer { close(fd) }
            out = try LayerCompressor.compress(tarFD: fd, kind, level: level, threads: threads, to: outFD, name: name)
        } else if hasSplit(layer.chainID) {
            let paths = try splitPaths(layer.chainID)
            let sfd = open(layerDir(layer.chainID) + "/tar-split", O_RDONLY | O_CLOEXEC)
            let rfd = open(layerDiffDir(layer.chainID), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer {
                if sfd >= 0 { close(sfd) }
                if rfd >= 0 { close(rfd) }
            }
            guard sfd >= 0, rfd >= 0 else { throw HiveError.errno("cannot open \(name)") }
            out = try LayerCompressor.compress(splitFD: sfd, rootFD: rfd, paths: paths, kind, level: level, threads: threads,
                                               to: outFD, name: name)
        } else {
            throw HiveError(.notFound, "\(name) has neither its tar nor a tar-split in the store (remove and re-load the image)")
        }
        guard out.diffID == layer.diffID else {
            throw HiveError.diffIDMismatch(name, expected: layer.diffID, got: out.diffID)
        }
        return out
    }
}
