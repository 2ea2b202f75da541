// Platforms as users write them (`linux/arm64/v8`) and the choice of one
// manifest from an image index, with containerd's default variants: amd64
// has none (v1), arm64 is v8, arm is v7; a descriptor without a variant
// matches any variant of its architecture (an exact variant is preferred).
import HivePlatform

extension Platform {
    /// `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`);
    /// architectures as uname names them are accepted (`x86_64` -> amd64).
    public init(parsing text: String) throws(HiveError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { String($0).lowercased() }
        guard parts.count == 2 || parts.count == 3, !parts.contains(where: \.isEmpty) else {
            throw HiveError(.invalidArgument, "invalid platform \"\(text)\": expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8")
        }
        self.init(architecture: HostPlatform.ociArchitecture(parts[1]), os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The host's platform: linux, `HostPlatform.architecture`, its default variant.
    public static var host: Platform {
        Platform(architecture: HostPlatform.architecture, os: "linux")
    }

    /// The variant meant when none is given (`arm64` -> v8, `arm` -> v7, else none).
    public static func defaultVariant(_ architecture: String) -> String? {
        switch architecture {
        case "arm64": return "v8"
        case "arm": return "v7"
        default: return nil
        }
    }

    /// The variant, or its architecture's default (amd64's `v1` is none).
    public var normalizedVariant: String? {
        guard let v = variant?.lowercased(), !v.isEmpty else { return Platform.defaultVariant(architecture) }
        if architecture == "amd64" && v == "v1" { return nil }
        return v
    }

    /// Whether an image of platform `have` is what this one asks for: the
    /// same OS and architecture, and the variant where this one names one
    /// (both as `normalizedVariant` reads them: linux/arm64/v8 is an arm64
    /// image that names no variant).
    public func accepts(_ have: Platform) -> Bool {
        os == have.os && architecture == have.architecture && (variant == nil || normalizedVariant == have.normalizedVariant)
    }

    /// `os/arch[/variant]` as the index names it.
    public var text: String { os + "/" + architecture + (variant.map { "/" + $0 } ?? "") }
}

extension Index {
    /// The manifest for `platform` (os, architecture, variant as
    /// `Platform.normalizedVariant` reads them; a descriptor without a
    /// variant matches any). Descriptors that are not image manifests (e.g.
    /// attestations) are never chosen. No match: `.notFound` naming `what`
    /// and listing the platforms the index has.
    public func select(platform want: Platform, what: String) throws(HiveError) -> Descriptor {
        let wantVariant = want.normalizedVariant
        var loose: Descriptor? = nil
        for d in manifests where MediaType.isManifest(d.mediaType) || MediaType.isIndex(d.mediaType) {
            guard let p = d.platform, p.os == want.os, p.architecture == want.architecture else { continue }
            if p.variant == nil || p.variant!.isEmpty {
                if loose == nil { loose = d }
            } else if p.normalizedVariant == wantVariant {
                return d
            }
        }
        if let loose { return loose }
        let offered = manifests.compactMap { d -> String? in
            guard let p = d.platform, p.os != "unknown" else { return nil }
            return p.text
        }
        let list = offered.isEmpty ? "no platforms" : offered.joined(separator: ", ")
        throw HiveError(.notFound, "\(what) has no image for \(want.os)/\(want.architecture)\(wantVariant.map { "/" + $0 } ?? ""): it offers \(list) (choose one with --platform)")
    }
}

extension ImageConfig {
    /// The platform the image says it is for, normalized as an index names
    /// platforms (lowercase, amd64 for x86_64): what `--platform` is checked against.
    public var platform: Platform {
        Platform(architecture: HostPlatform.ociArchitecture(architecture.lowercased()), os: os.lowercased(), variant: variant?.lowercased())
    }
}
