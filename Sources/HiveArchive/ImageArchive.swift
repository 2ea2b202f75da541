// An image archive as `hive load` reads it: a docker-archive (manifest.json)
// or an OCI layout (index.json) tar, plain or compressed. One pass reads every
// file (hashed; small ones in memory, large ones to temp files); the formats
// (ImageArchive+OCI.swift, ImageArchive+Docker.swift) turn them into plans
// (manifest, manifest bytes, tags), each blob checked against its descriptor.
// No store here: what becomes of the files is the caller's (HiveStore's
// loadImage).
import Glibc
import HiveOCI
import HivePlatform

/// A file read from the archive: small ones in memory, large ones as temp blobs.
public struct ArchiveFile {
    public var digest: Digest
    public var size: Int64
    public var bytes: [UInt8]?
    public var tempPath: String?
    /// A large uncompressed tar, extracted while it was read (before the
    /// manifest said whether it is a layer).
    public var extracted: ExtractedLayer?

    public init(digest: Digest, size: Int64, bytes: [UInt8]? = nil, tempPath: String? = nil, extracted: ExtractedLayer? = nil) {
        self.digest = digest
        self.size = size
        self.bytes = bytes
        self.tempPath = tempPath
        self.extracted = extracted
    }
}

/// A layer extracted into a temp layer directory, not yet in place.
public struct ExtractedLayer {
    public var dir: String
    public var contentSize: Int64
    public var splitPaths: [String]?
    public init(dir: String, contentSize: Int64, splitPaths: [String]?) {
        self.dir = dir
        self.contentSize = contentSize
        self.splitPaths = splitPaths
    }
}

/// One image an archive holds: its manifest (as in the archive, or
/// synthesised for a docker-archive), the manifest's bytes, its tags.
public struct ImagePlan {
    public var manifest: Manifest
    public var manifestBytes: [UInt8]
    public var tags: [String]
    public init(manifest: Manifest, manifestBytes: [UInt8], tags: [String]) {
        self.manifest = manifest
        self.manifestBytes = manifestBytes
        self.tags = tags
    }
}

public struct ImageArchive {
    /// Every regular file by normalized path (symlinks resolved to their targets' files).
    public var files: [String: ArchiveFile]
    /// The archive's name in messages.
    public let name: String

    public init(files: [String: ArchiveFile], name: String) {
        self.files = files
        self.name = name
    }

    /// Copies a large entry that starts like an uncompressed tar while
    /// extracting it (the reader, its first bytes, the copy, its index, its
    /// path); returns the file read.
    public typealias Speculate = (ArchiveReader, [UInt8], BlobWriter, Int, String) throws -> ArchiveFile

    /// One pass over the archive: every regular file is hashed; small files are
    /// kept in memory, large ones written to temp files in `tmp` (later moved into blobs/).
    public static func read(fd: Int32, name: String, tmp: String, speculate: Speculate?) throws -> ImageArchive {
        let reader = try ArchiveReader(fd: fd, name: name)
        var files: [String: ArchiveFile] = [:]
        var links: [String: String] = [:]
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var n = 0
        while let e = try reader.next() {
            let path = normalize(e.path)
            if let target = e.symlink {
                let dir = path.split(separator: "/").dropLast().joined(separator: "/")
                links[path] = normalize(target.hasPrefix("/") ? target : (dir.isEmpty ? target : dir + "/" + target))
                continue
            }
            guard e.isRegular else { continue }
            if e.size <= 1 << 20 {
                let bytes = try reader.readAll(limit: 1 << 20, entry: path)
                files[path] = ArchiveFile(digest: Digest.of(bytes), size: Int64(bytes.count), bytes: bytes)
            } else {
                n += 1
                let w = try BlobWriter(path: tmp + "/in-\(n)")
                // Peek: an uncompressed tar is extracted in the same pass as it is copied.
                var initial: [UInt8] = []
                while initial.count < 512 {
                    let got = try buf.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if got == 0 { break }
                    initial += buf[0..<got]
                }
                if let speculate, initial.count >= 512 && initial[257..<262].elementsEqual(Array("ustar".utf8)) {
                    files[path] = try speculate(reader, initial, w, n, path)
                    continue
                }
                try initial.withUnsafeBytes { try w.write($0) }
                while true {
                    let got = try buf.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if got == 0 { break }
                    try buf.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                }
                files[path] = ArchiveFile(digest: w.finish(), size: w.size, tempPath: w.tempPath)
            }
        }
        for (link, target) in links { if let f = files[target] { files[link] = f } }
        return ImageArchive(files: files, name: name)
    }

    public static func normalize(_ p: String) -> String {
        p.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// The images in the archive (for `architecture` where an index offers a
    /// choice), every blob checked against its descriptor before anything is
    /// parsed or stored.
    public func plans(architecture: String) throws -> [ImagePlan] {
        try plans(platform: Platform(architecture: architecture, os: "linux"), only: false)
    }

    /// As above for `platform`; `only` (load --platform): an OCI layout's
    /// top-level entries for other platforms are left out too.
    public func plans(platform: Platform, only: Bool) throws -> [ImagePlan] {
        var plans: [ImagePlan] = []
        if files["index.json"] != nil {
            plans = try ociPlans(platform: platform, only: only)
            // Docker 25+ archives carry both; manifest.json has the familiar tags.
            if files["manifest.json"] != nil, let docker = try? dockerPlans() {
                for i in plans.indices where plans[i].tags.isEmpty {
                    if let match = docker.first(where: { $0.manifest.config.digest == plans[i].manifest.config.digest }) { plans[i].tags = match.tags }
                }
            }
        } else if files["manifest.json"] != nil {
            plans = try dockerPlans()
        } else {
            throw HiveError(.corrupt, "\(name) is neither a docker-archive (no manifest.json) nor an OCI layout (no index.json)")
        }
        guard !plans.isEmpty else { throw HiveError(.corrupt, "\(name) contains no images") }
        // every blob checked against its descriptor before anything is parsed or stored
        for p in plans { try verifyBlobs(p.manifest) }
        return plans
    }

    func file(_ path: String) throws -> ArchiveFile {
        guard let f = files[ImageArchive.normalize(path)] else {
            throw HiveError(.corrupt, "\(name) is missing \(path), which its manifest references")
        }
        return f
    }

    func blobFile(_ d: Digest) throws -> ArchiveFile {
        let f = try file("blobs/sha256/" + d.hex)
        guard f.digest == d else { throw HiveError.digestMismatch("blob \(d) in \(name)", got: f.digest) }
        return f
    }

    /// A small file's bytes.
    public static func bytes(_ f: ArchiveFile, what: String) throws -> [UInt8] {
        if let b = f.bytes { return b }
        throw HiveError(.corrupt, "\(what) is larger than 1 MB")
    }

    /// Checks the config and every layer of an image against its descriptor
    /// (size and digest), before any of them is parsed or stored.
    func verifyBlobs(_ m: Manifest) throws {
        let cfg = try lookup(m.config.digest, what: "config blob")
        try m.config.verify(size: cfg.size, digest: cfg.digest, what: "config blob \(m.config.digest) in \(name)")
        for desc in m.layers {
            let lf = try lookup(desc.digest, what: "layer blob")
            try desc.verify(size: lf.size, digest: lf.digest, what: "layer blob \(desc.digest) in \(name)")
        }
    }

    /// A blob by digest: at blobs/sha256/<hex> (verified), or any file with that content.
    public func lookup(_ d: Digest, what: String) throws -> ArchiveFile {
        if let f = files["blobs/sha256/" + d.hex] {
            guard f.digest == d else { throw HiveError.digestMismatch("blob \(d) in \(name)", got: f.digest) }
            return f
        }
        guard let f = files.values.first(where: { $0.digest == d }) else {
            throw HiveError(.corrupt, "\(name) is missing \(what) \(d)")
        }
        return f
    }
}
