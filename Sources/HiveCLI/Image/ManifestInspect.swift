// `hive manifest inspect [--insecure] [-v] MANIFEST`, as `docker manifest
// inspect`: an image's manifest, or its index, from the registry, nothing
// pulled. A manifest prints as the registry served it, indented with tabs; an
// index as Docker prints one (its entries' descriptors and platforms,
// indented with three spaces); -v gives Docker's verbose form (the
// reference, the descriptor with the image's platform, the raw bytes and the
// manifest) for the manifest or for each entry of the index. hive keeps no
// local manifest lists (`manifest create`), so the two-name form is refused.
import HiveEngine
import HiveOCI
import HivePlatform

enum ManifestInspect {
    static let def = CommandDef(
        name: "manifest inspect", aliases: ["manifest inspect"], usage: "[OPTIONS] MANIFEST",
        summary: "Display an image manifest, or manifest list, from its registry",
        options: [
            .flag("insecure", nil, "Allow communication with an insecure registry (plain HTTP, or TLS without verification)"),
            .flag("verbose", "v", "Output additional info including layers and platform"),
        ], failureStatus: 1, run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1, max: 2)
        if c.args.positionals.count == 2 {
            throw HiveError(.invalidArgument, "hive keeps no local manifest lists (docker manifest create): give one image, \(c.args.positionals[1])")
        }
        let engine = try c.engine()
        let m = try engine.remoteManifest(c.args.positionals[0], insecure: c.args.flag("insecure"))
        let verbose = c.args.flag("verbose")
        switch m.kind {
        case .manifest:
            let text = verbose ? try verboseEntry(engine, m, platform: nil) : String(decoding: m.bytes, as: UTF8.self)
            c.out.line(JSONIndent.indent(text, with: "\t"))
        case .index:
            let index = try JSONCoding.decode(Index.self, from: m.bytes)
            if verbose {
                var entries: [String] = []
                for d in index.manifests {
                    entries.append(try verboseEntry(engine, try engine.remoteManifest(m.reference, entry: d), platform: d.platform))
                }
                c.out.line(JSONIndent.indent("[" + entries.joined(separator: ",") + "]", with: "\t"))
            } else {
                c.out.line(JSONIndent.indent(listText(index, mediaType: m.mediaType), with: "   "))
            }
        }
        return 0
    }

    /// An index as Docker prints one: schemaVersion, mediaType, and each entry's
    /// mediaType, size, digest and platform (in Docker's key order).
    static func listText(_ index: Index, mediaType: String) -> String {
        let entries = index.manifests.map { d in
            var e = "{\"mediaType\":\(q(d.mediaType)),\"size\":\(d.size),\"digest\":\(q(d.digest.description))"
            if let urls = d.urls, !urls.isEmpty { e += ",\"urls\":[" + urls.map(q).joined(separator: ",") + "]" }
            return e + ",\"platform\":" + platformText(d.platform ?? Platform(architecture: "", os: "")) + "}"
        }
        return "{\"schemaVersion\":2,\"mediaType\":\(q(mediaType)),\"manifests\":[" + entries.joined(separator: ",") + "]}"
    }

    /// Docker's verbose form of one manifest: Ref, Descriptor (with the platform
    /// the index gave, else the one its config says), Raw, and the manifest under
    /// SchemaV2Manifest (Docker's media type) or OCIManifest.
    static func verboseEntry(_ engine: Engine, _ m: RemoteManifest, platform given: Platform?) throws -> String {
        var platform = given
        if platform == nil {
            let manifest = try JSONCoding.decode(Manifest.self, from: m.bytes)
            let config = try JSONCoding.decode(ImageConfig.self, from: try engine.remoteBlob(m.reference, manifest.config))
            platform = Platform(architecture: config.architecture, os: config.os, variant: config.variant)  // as the config says it
        }
        let key = m.mediaType == MediaType.dockerManifest ? "SchemaV2Manifest" : "OCIManifest"
        let desc = "{\"mediaType\":\(q(m.mediaType)),\"digest\":\(q(m.digest.description)),\"size\":\(m.bytes.count)"
            + (platform.map { ",\"platform\":" + platformText($0) } ?? "") + "}"
        return "{\"Ref\":\(q(m.reference.description)),\"Descriptor\":\(desc),\"Raw\":\(q(Base64.encode(m.bytes))),\(q(key)):"
            + String(decoding: m.bytes, as: UTF8.self) + "}"
    }

    static func platformText(_ p: Platform) -> String {
        var t = "{\"architecture\":\(q(p.architecture)),\"os\":\(q(p.os))"
        if let v = p.osVersion, !v.isEmpty { t += ",\"os.version\":" + q(v) }
        if let f = p.osFeatures, !f.isEmpty { t += ",\"os.features\":[" + f.map(q).joined(separator: ",") + "]" }
        if let v = p.variant, !v.isEmpty { t += ",\"variant\":" + q(v) }
        return t + "}"
    }

    static func q(_ s: String) -> String { JSONValue.string(s).serialized() }
}

/// Go's json.Indent: the same document with each element on its own line,
/// indented by `unit` per level, keys in the order they came. The input is
/// valid JSON (parsed already, or made here).
enum JSONIndent {
    static func indent(_ json: String, with unit: String) -> String {
        let src = Array(json.utf8), pad = Array(unit.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(src.count * 2)
        var level = 0, inString = false, escaped = false, i = 0
        func newline() { out.append(10); for _ in 0..<level { out += pad } }
        while i < src.count {
            let b = src[i]
            defer { i += 1 }
            if inString {
                out.append(b)
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: " "), 9, 10, 13: continue
            case UInt8(ascii: "\""): inString = true; out.append(b)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(b)
                // an empty object or array stays on one line
                var j = i + 1
                while j < src.count, [32, 9, 10, 13].contains(src[j]) { j += 1 }
                if j < src.count, src[j] == UInt8(ascii: "}") || src[j] == UInt8(ascii: "]") { out.append(src[j]); i = j; continue }
                level += 1
                newline()
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                level -= 1
                newline()
                out.append(b)
            case UInt8(ascii: ","): out.append(b); newline()
            case UInt8(ascii: ":"): out.append(b); out.append(32)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
