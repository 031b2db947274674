import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Foundation

/// The repository root, found from this file's path (Tests/CapSyncWireTests/Support.swift), so the tests read the
/// same Protocol/vectors files the Python tools write.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func vectorNames(_ directory: String, prefix: String) -> [String] {
        let url = root.appendingPathComponent("Protocol/vectors/\(directory)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    static func loadVector<V: Decodable>(_ type: V.Type, _ directory: String, _ name: String) throws -> V {
        let url = root.appendingPathComponent("Protocol/vectors/\(directory)/\(name).json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(V.self, from: Data(contentsOf: url))
    }
}

/// One file of Protocol/vectors/entry (Protocol/entry.md §9).
struct EntryVector: Decodable {
    let description: String
    let valid: Bool
    let seed: String?
    let publicKey: String?
    let version: UInt8?
    let author: String?
    let seq: UInt64?
    let prev: String?
    let timestamp: UInt64?
    let timestampMilliseconds: UInt64?
    let timestampLogical: UInt16?
    let kind: UInt64?
    let payloadLength: Int?
    let payload: String?
    let signingMessage: String?
    let signature: String?
    let encoded: String
    let entryId: String?
    let previousEncoded: String?
    let reason: String?
    let reasonDetail: String?
    let stage: String?
}

/// One file of Protocol/vectors/roster (Protocol/roster.md §5).
struct RosterVector: Decodable {
    struct Member: Decodable {
        let partner: String
        let key: String
        let keyBase64: String
        let lastValidSeq: UInt64?
    }

    let description: String
    let valid: Bool
    let fileText: String
    let serial: UInt64?
    let members: [Member]?
    let canonicalFileText: String?
    let canonicalBytes: String?
    let hash: String?
    let reason: String?
    let line: Int?
}

struct VectorFormatError: Error, CustomStringConvertible {
    let description: String
}

/// Lowercase hex → bytes, failing the test (not trapping) on a malformed vector.
func bytes(_ hex: String?, _ field: String) throws -> [UInt8] {
    guard let hex, let raw = Hex.decode(hex) else { throw VectorFormatError(description: "\(field) is not hex") }
    return raw
}

/// Rebuilds the canonical bytes from decoded fields (Protocol/entry.md §1), independently of how `Entry` keeps
/// them, so tests can check that decoding loses nothing and that only one encoding exists.
func reencode(_ entry: Entry) -> [UInt8] {
    var writer = ByteWriter()
    writer.writeUInt8(entry.version)
    writer.writeBytes(entry.author.bytes)
    writer.writeVarint(entry.seq)
    writer.writeBytes(entry.prev.bytes)
    writer.writeUInt64(entry.timestamp.rawValue)
    writer.writeVarint(entry.kind)
    writer.writeLengthPrefixed(entry.payload)
    writer.writeBytes(entry.signature)
    return writer.bytes
}

/// Decodes, returning the error code instead of throwing (nil when the bytes decode).
func decodeError(_ bytes: [UInt8]) -> WireError.Code? {
    do {
        _ = try Entry(decoding: bytes)
        return nil
    } catch {
        return error.code
    }
}
