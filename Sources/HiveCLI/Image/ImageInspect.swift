// `hive image inspect`: Docker-compatible JSON.
import HiveEngine
import HiveOCI
import HivePlatform

enum ImageInspect {
    static let def = CommandDef(
        name: "image inspect", aliases: ["image inspect"], usage: "[OPTIONS] IMAGE [IMAGE...]",
        summary: "Display detailed information on one or more images",
        options: [
            .value("format", "f", "string", "Format output using a Go template or json"),
            .value("platform", nil, "string", "Inspect a specific platform of the image (a local image has one platform: it must be this one)"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let platform = c.args.value("platform")
        return try Inspect.render(c) { engine, name in
            try engine.checkImagePlatform(name, platform)
            return try engine.inspectImage(name)
        }
    }
}

/// `hive inspect`: images now; containers join with the container verbs.
enum Inspect {
    static let def = CommandDef(
        name: "inspect", aliases: ["inspect"], usage: "[OPTIONS] NAME|ID [NAME|ID...]",
        summary: "Return low-level information on hive objects",
        options: [
            .value("format", "f", "string", "Format output using a Go template or json"),
            .value("type", nil, "string", "Only inspect objects of the given type (container, image, volume, network)"),
            .flag("size", "s", "Display total file sizes if the type is container"),
        ], run: run)

    static func run(_ c: Context) throws -> Int32 {
        try c.expect(min: 1)
        let type = c.args.value("type")
        if let t = type, !["image", "container", "volume", "network"].contains(t) {
            throw HiveError(.invalidArgument, "unsupported --type \"\(t)\" (container, image, volume or network)")
        }
        let size = c.args.flag("size")
        return try render(c) { engine, name in
            switch type {
            case "image": return try engine.inspectImage(name)
            case "volume": return try engine.volumeInfo(name)
            case "network": return try engine.networkInfo(name)
            case "container": return try engine.inspectContainer(name, size: size)
            default:
                // containers first, as docker does
                if let j = try? engine.inspectContainer(name, size: size) { return j }
                do { return try engine.inspectImage(name) } catch {
                    if let v = try? engine.volumeInfo(name) { return v }
                    if let n = try? engine.networkInfo(name) { return n }
                    throw HiveError(.notFound, "no such object: \(name)")
                }
            }
        }
    }

    /// Inspects every name; prints the array (or the template per object); reports each failure.
    static func render(_ c: Context, _ one: (Engine, String) throws -> JSONValue) throws -> Int32 {
        let engine = try c.engine()
        var objects: [JSONValue] = []
        var failures: [String] = []
        for name in c.args.positionals {
            do { objects.append(try one(engine, name)) } catch {
                failures.append(ErrorMapping.message(error))
            }
        }
        if let f = c.args.value("format"), f != "json" {
            let t = try Template(f)
            for o in objects { c.out.line(try t.render(o)) }
        } else {
            c.out.line(JSONValue.array(objects).serialized(indent: "    "))
        }
        c.out.flush()
        for f in failures { c.err.line("hive: " + f) }
        return failures.isEmpty ? 0 : 1
    }
}
