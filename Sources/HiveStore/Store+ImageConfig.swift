// An image's stored config, read as `run` and `build` need it (no manifest
// read): the fast decoder for the fields hive uses, the full one otherwise.
import HiveOCI
import HivePlatform

extension Store {
    /// The stored config of the image `id`.
    public func imageConfig(_ id: Digest) throws -> ImageConfig {
        let bytes = try readBlob(id, limit: JSONValue.maxDocumentBytes)
        return try ImageConfig.fast(bytes) ?? JSONCoding.decode(ImageConfig.self, from: bytes)
    }
}
