import Foundation

/// A folder of JSON test vectors under Protocol/vectors, as the vector tests read it.
struct VectorFolder {
    let url: URL

    /// `path` below Protocol/vectors, e.g. "fold/views".
    init(_ path: String) {
        url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocol/vectors/" + path)
    }

    /// The vector files' names, sorted.
    var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    func load<Vector: Decodable>(_ name: String, as type: Vector.Type = Vector.self) throws -> Vector {
        try JSONDecoder().decode(type, from: Data(contentsOf: url.appendingPathComponent(name)))
    }
}
