// `hive history` and the Engine API's GET /images/{name}/history: an
// image's history entries, newest first, each with the size of the layer it
// made (0 for an entry that made none).
import HiveOCI
import HivePlatform

/// One line of an image's history.
public struct ImageHistoryEntry {
    public var history: History
    /// Bytes of the layer the step made (0: an empty layer).
    public var size: Int64
}

extension Engine {
    /// The image `name` resolves to and its history, newest first. An image
    /// without history (an import) gets one entry per layer.
    public func imageHistory(_ name: String) throws -> (id: Digest, entries: [ImageHistoryEntry]) {
        let id = try resolveImage(name).id
        let config = try imageConfig(id)
        let layers = try store.layers(of: id)
        var history = config.history ?? []
        if history.isEmpty { history = layers.map { _ in History(created: config.created) } }
        var layerIndex = 0
        var entries: [ImageHistoryEntry] = []
        for h in history {
            var size: Int64 = 0
            if h.emptyLayer != true, layerIndex < layers.count {
                size = layers[layerIndex].size
                layerIndex += 1
            }
            entries.append(ImageHistoryEntry(history: h, size: size))
        }
        return (id, entries.reversed())
    }
}
