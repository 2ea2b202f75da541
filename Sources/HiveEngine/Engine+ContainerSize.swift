// `inspect -s/--size`: a container's SizeRw and SizeRootFs, as `ps -s`
// computes them (the writable layer; it plus the image's size).
import HivePlatform
import HiveStore

extension Engine {
    /// Docker's SizeRw (bytes written in the container's writable layer) and
    /// SizeRootFs (those plus its image's, 0 for an image since removed).
    /// A stopped container's writable layer is the size its record keeps (writableSize(of:)), as `system df` reads it.
    public func containerSizes(_ r: ContainerRecord) throws -> (sizeRw: Int64, sizeRootFs: Int64) {
        let rw = writableSize(of: r)
        let image = try store.image(r.imageID)?.size ?? 0
        return (rw, rw + image)
    }
}
