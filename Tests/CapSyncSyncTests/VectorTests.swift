import CapSyncCrypto
import CapSyncSync
import CapSyncWire
import Foundation
import Testing

/// Protocol/vectors/sync/: frames as hex beside their decoded fields (Protocol/sync.md §Test vectors).
enum SyncVectors {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/sync")

    static func load(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(root["cases"] as? [[String: Any]])
    }

    struct FieldError: Error, CustomStringConvertible {
        var description: String
    }

    static func string(_ fields: [String: Any], _ key: String) throws -> String {
        guard let value = fields[key] as? String else { throw FieldError(description: "field \(key) is not a string") }
        return value
    }

    static func int(_ fields: [String: Any], _ key: String) throws -> Int {
        guard let value = fields[key] as? Int else { throw FieldError(description: "field \(key) is not an integer") }
        return value
    }

    /// 64-bit values are decimal strings (JSON numbers lose precision above 2^53).
    static func uint64(_ fields: [String: Any], _ key: String) throws -> UInt64 {
        guard let value = UInt64(try string(fields, key)) else {
            throw FieldError(description: "field \(key) is not a decimal UInt64")
        }
        return value
    }

    static func bytes(_ fields: [String: Any], _ key: String) throws -> [UInt8] {
        guard let value = Hex.decode(try string(fields, key)) else {
            throw FieldError(description: "field \(key) is not hex")
        }
        return value
    }

    static func bytes32(_ fields: [String: Any], _ key: String) throws -> Bytes32 {
        guard let value = Bytes32(checking: try bytes(fields, key)) else {
            throw FieldError(description: "field \(key) is not 32 bytes")
        }
        return value
    }

    static func list(_ fields: [String: Any], _ key: String) throws -> [[String: Any]] {
        guard let value = fields[key] as? [[String: Any]] else {
            throw FieldError(description: "field \(key) is not a list")
        }
        return value
    }

    /// Builds the message a case's fields describe, independently of the decoder.
    static func message(type: String, fields: [String: Any]) throws -> SyncMessage {
        switch type {
        case "HELLO":
            return .hello(
                SyncHello(
                    minVersion: UInt16(try int(fields, "minVersion")),
                    maxVersion: UInt16(try int(fields, "maxVersion")),
                    rosterHash: try bytes32(fields, "rosterHash"),
                    features: try uint64(fields, "features"),
                    maxFrameBytes: UInt32(try int(fields, "maxFrameBytes")),
                    maxEntriesPerBatch: UInt32(try int(fields, "maxEntriesPerBatch")),
                    label: try string(fields, "label")
                )
            )
        case "HEADS":
            return .heads(
                SyncHeads(
                    heads: try list(fields, "heads").map { head in
                        let seq = UInt64(try int(head, "seq"))
                        return Head(
                            author: try bytes32(head, "author"),
                            seq: seq,
                            id: seq == 0 ? .zero : try bytes32(head, "id")
                        )
                    },
                    forkClaims: try list(fields, "forkClaims").map {
                        ForkClaim(
                            author: try bytes32($0, "author"),
                            seq: UInt64(try int($0, "seq")),
                            deeper: try #require($0["deeper"] as? Bool)
                        )
                    }
                )
            )
        case "ENTRIES":
            return .entries(
                EntriesBatch(
                    runs: try list(fields, "runs").map { run in
                        CompactRun(
                            authorIndex: UInt32(try int(run, "authorIndex")),
                            firstSeq: UInt64(try int(run, "firstSeq")),
                            prev: run["prev"] is NSNull ? nil : try bytes32(run, "prev"),
                            entries: try list(run, "entries").map { entry in
                                CompactEntry(
                                    version: UInt8(try int(entry, "version")),
                                    timestamp: HLCTimestamp(rawValue: try uint64(entry, "timestamp")),
                                    kind: UInt64(try int(entry, "kind")),
                                    payload: try bytes(entry, "payload")[...],
                                    signature: try bytes(entry, "signature")[...]
                                )
                            }
                        )
                    }
                )
            )
        case "FORKS":
            return .forks(
                try list(fields, "proofs").map { proof in
                    try ForkProof(
                        Entry(decoding: try bytes(proof, "first")),
                        Entry(decoding: try bytes(proof, "second"))
                    )
                }
            )
        case "DONE":
            return .done(
                SyncDone(
                    entriesSent: try uint64(fields, "entriesSent"),
                    forkProofsSent: try uint64(fields, "forkProofsSent")
                )
            )
        case "ERROR":
            return .error(SyncErrorMessage(code: UInt16(try int(fields, "code")), text: try string(fields, "text")))
        case "ACK":
            return .ack(
                SyncAck(
                    entriesStored: try uint64(fields, "entriesStored"),
                    entriesAlreadyHeld: try uint64(fields, "entriesAlreadyHeld"),
                    entriesRefused: try uint64(fields, "entriesRefused"),
                    forkProofsKept: try uint64(fields, "forkProofsKept"),
                    authorsHeld: try uint64(fields, "authorsHeld"),
                    entriesHeld: try uint64(fields, "entriesHeld")
                )
            )
        default:
            throw FieldError(description: "unknown message type \(type)")
        }
    }
}

@Suite struct VectorTests {
    static let files = [
        "hello.json", "heads.json", "entries.json", "forks.json", "done.json", "error.json", "ack.json",
    ]

    @Test(arguments: files)
    func framesMatchTheirFields(file: String) throws {
        let cases = try SyncVectors.load(file)
        #expect(!cases.isEmpty)
        for vector in cases {
            let name = try SyncVectors.string(vector, "name")
            let hex = try SyncVectors.bytes(vector, "hex")
            let fields = try #require(vector["fields"] as? [String: Any])
            let expected = try SyncVectors.message(type: try SyncVectors.string(vector, "type"), fields: fields)
            #expect(try decodeOne(hex) == expected, "\(file) \(name): hex decodes to the fields")
            #expect(expected.encode() == hex, "\(file) \(name): fields encode to the hex")
        }
    }

    /// The rebuild of compact runs to canonical entries, given the receiver's HEADS.
    @Test func entriesRebuildToTheCanonicalBytes() throws {
        for vector in try SyncVectors.load("entries.json") {
            let name = try SyncVectors.string(vector, "name")
            let rebuild = try #require(vector["rebuild"] as? [String: Any])
            let receiverHeads = try SyncVectors.list(rebuild, "receiverHeads").map {
                Head(
                    author: try SyncVectors.bytes32($0, "author"),
                    seq: UInt64(try SyncVectors.int($0, "seq")),
                    id: try SyncVectors.bytes32($0, "id")
                )
            }
            let canonical = try SyncVectors.list(rebuild, "entries")
            guard case .entries(let batch) = try decodeOne(try SyncVectors.bytes(vector, "hex")) else {
                Issue.record("\(name): not an ENTRIES frame")
                continue
            }
            // Implied prevs: the receiver's declared head, then the last entry rebuilt for that author.
            var last = Dictionary(uniqueKeysWithValues: receiverHeads.map { ($0.author, $0.id) })
            var rebuilt: [Entry] = []
            for run in batch.runs {
                let author = receiverHeads[Int(run.authorIndex)].author
                let entries = try run.rebuild(author: author, prev: run.prev ?? last[author]!)
                last[author] = entries.last!.id
                rebuilt += entries
            }
            #expect(
                rebuilt.map { Hex.encode($0.encoded) }
                    == (try canonical.map { try SyncVectors.string($0, "canonical") }),
                "\(name)"
            )
            #expect(rebuilt.map(\.id.hex) == (try canonical.map { try SyncVectors.string($0, "id") }), "\(name)")
        }
    }

    @Test func invalidFramesAreRefusedWithTheirCode() throws {
        let cases = try SyncVectors.load("invalid.json")
        #expect(cases.count >= 8)
        for vector in cases {
            let name = try SyncVectors.string(vector, "name")
            let code = try #require(SyncError.Code(rawValue: UInt16(try SyncVectors.int(vector, "code"))))
            let limits =
                (vector["limits"] as? [String: Any]).map {
                    SyncLimits(
                        maxFrameBytes: $0["maxFrameBytes"] as? Int ?? SyncLimits.default.maxFrameBytes,
                        maxEntriesPerBatch: $0["maxEntriesPerBatch"] as? Int ?? SyncLimits.default.maxEntriesPerBatch,
                        maxAuthorsPerHeads: $0["maxAuthorsPerHeads"] as? Int ?? SyncLimits.default.maxAuthorsPerHeads
                    )
                } ?? .default
            #expect(decodeError(try SyncVectors.bytes(vector, "hex"), limits: limits)?.code == code, "\(name)")
        }
    }
}
