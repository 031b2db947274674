import CapSyncCrypto
import CapSyncLog
import CapSyncMerge
import CapSyncNode
import CapSyncTestSupport
import CapSyncWire
import Foundation
import Testing

/// The node's file of opened content keys (Protocol/releasability.md §9): another `Node` of the same directory
/// opens with the kept keys, and a lost, damaged or unwritable file changes no figure and no digest.
@Suite struct OpenedKeyFileTests {
    static let recordSize = OpenedKeyFile.recordSize
    /// 36 entries from DE: 6 plain, 6 sealed to DE and US, 24 that NL reads.
    static let readableCount = 24

    /// A node of NL holding DE's entries: plain reports, reports sealed to DE and NL, to DE, NL and US, and to DE
    /// and US (which NL cannot read). Seeded: the same bytes on every run.
    struct Fixture {
        let root: String
        let paths: NodePaths
        /// The sealed entries NL can open, in log order.
        let readable: [Entry]

        init() throws {
            root = NSTemporaryDirectory() + "capsync-opened-keys-\(UUID().uuidString.prefix(8))"
            paths = NodePaths(root: root)
            let identity = try NodeSetup.create(at: root, options: .init(partner: "NL"))
            let de = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x2D, count: 32))
            let roster = try Roster(
                serial: 1,
                members: [
                    .init(partner: "NL", key: AuthorKey(identity.signingKey)),
                    .init(partner: "DE", key: AuthorKey(de.publicKey)),
                ]
            )
            try NodeSetup.saveRoster(roster, paths)
            let node = try Node(root: root)
            let nl = try node.makeEncryptionKey(rotate: false)
            var random = SplitMix64(seed: 0x5EA1_CACE)
            var keys: [String: X25519PublicKey] = ["NL": nl.publicKey]
            for partner in ["DE", "US"] { keys[partner] = try X25519PrivateKey(rawBytes: random.bytes(32)).publicKey }

            var entries: [Entry] = []
            var readable: [Entry] = []
            func append(kind: UInt64, payload: [UInt8]) throws -> Entry {
                let entry = try Entry.sign(
                    key: de,
                    seq: UInt64(entries.count + 1),
                    prev: entries.last?.id ?? .zero,
                    timestamp: HLCTimestamp(milliseconds: 1_760_000_000_000 + UInt64(entries.count)),
                    kind: kind,
                    payload: payload
                )
                entries.append(entry)
                return entry
            }
            for index in 0..<36 {
                let report = CapSyncMerge.Operation.capacityReport(
                    try CapacityReport(
                        partner: "DE",
                        item: "SHELL-155-HE",
                        site: "Site-\(index % 17)",
                        period: try Period("2025-\(10 + index % 3)"),
                        monthlyCapacity: UInt64(1_000 + index),
                        monthlyOutput: 900,
                        stockOnHand: 5_000,
                        stockThreshold: 2_000,
                        leadTimeDays: 30
                    )
                )
                let label: [String]? =
                    switch index % 6 {
                    case 0: nil
                    case 1: ["DE", "US"]
                    case 2: ["DE", "NL", "US"]
                    default: ["DE", "NL"]
                    }
                guard let label else {
                    _ = try append(kind: report.kind.rawValue, payload: report.payload())
                    continue
                }
                let sealed = try SealedEnvelope.seal(
                    kind: report.kind.rawValue,
                    payload: report.payload(),
                    recipients: Dictionary(uniqueKeysWithValues: label.map { ($0, keys[$0]!) }),
                    rosterSerial: 1,
                    author: AuthorKey(de.publicKey),
                    randomness: .init(
                        contentKey: random.bytes(32),
                        nonce: random.bytes(12),
                        ephemerals: try label.map { _ in try X25519PrivateKey(rawBytes: random.bytes(32)) }
                    )
                )
                let entry = try append(kind: SealedPayload.kind, payload: sealed.encoded)
                if label.contains("NL") { readable.append(entry) }
            }
            self.readable = readable
            let report = try node.store.ingest(entries, nowMilliseconds: Node.nowMilliseconds())
            #expect(report.accepted.count == entries.count)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        var fileBytes: [UInt8] {
            FileManager.default.contents(atPath: paths.openedContentKeys).map { [UInt8]($0) } ?? []
        }

        func write(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: paths.openedContentKeys))
        }

        var mode: Int {
            ((try? FileManager.default.attributesOfItem(atPath: paths.openedContentKeys))?[.posixPermissions]
                as? NSNumber)?.intValue ?? -1
        }

        /// What a node of this directory shows, and how many entries it opened with kept keys.
        func views() throws -> (view: CoalitionState, audiences: [[String]: Bytes32], reused: Int) {
            let node = try Node(root: root)
            let view = try node.viewState()
            let audiences = try node.audienceDigests()
            let reused = try #require(try node.sealedReader()).openedKeys.reusedCount
            return (view, Dictionary(uniqueKeysWithValues: audiences.map { ($0.label, $0.digest) }), reused)
        }
    }

    @Test func keptKeysServeTheNextNodeOfTheDirectory() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(fixture.readable.count == Self.readableCount)
        let first = try fixture.views()
        #expect(first.reused == Self.readableCount, "the audience folds reuse what the view opened")
        #expect(fixture.fileBytes.count == Self.readableCount * Self.recordSize)
        #expect(fixture.mode == 0o600)

        let node = try Node(root: fixture.root)
        let reader = try #require(try node.sealedReader())
        #expect(reader.openedKeys.count == Self.readableCount, "read back before any fold")
        let second = try fixture.views()
        #expect(second.view == first.view)
        #expect(second.audiences == first.audiences)
        #expect(second.reused == 2 * Self.readableCount, "nothing opened in full")
        #expect(fixture.fileBytes.count == Self.readableCount * Self.recordSize, "nothing new to append")
    }

    @Test func theAudienceDigestsOpenEachEntryOnce() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let node = try Node(root: fixture.root)
        let digests = try node.audienceDigests()
        #expect(digests.map(\.label) == [["DE", "NL"], ["DE", "NL", "US"]])
        let bytes = fixture.fileBytes
        #expect(bytes.count == Self.readableCount * Self.recordSize)
        let ids = stride(from: 0, to: bytes.count, by: Self.recordSize).map { EntryID(bytes, at: $0) }
        #expect(Set(ids) == Set(fixture.readable.map(\.id)))
    }

    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case flippedKeyByte, flippedCRCByte, flippedIDByte, truncatedMidRecord, garbageTail, onlyGarbage, empty
        case wrongKeyWithValidCRC, widerMode

        var testDescription: String { rawValue }

        func apply(to good: [UInt8], _ fixture: Fixture) throws {
            let size = OpenedKeyFileTests.recordSize
            var bytes = good
            var random = SplitMix64(seed: 0xBAD)
            switch self {
            case .flippedKeyByte: bytes[5 * size + 40] ^= 0x01
            case .flippedCRCByte: bytes[9 * size + 66] ^= 0x80
            case .flippedIDByte: bytes[2 * size + 3] ^= 0x10
            case .truncatedMidRecord: bytes.removeLast(size + 30)
            case .garbageTail: bytes += random.bytes(3 * size + 11)
            case .onlyGarbage: bytes = random.bytes(good.count)
            case .empty: bytes = []
            case .wrongKeyWithValidCRC:
                // A record that passes its CRC but holds another entry's key: the commitment refuses it.
                let other = try OpenedKeyFileTests.record(in: good, at: 7)
                let victim = try OpenedKeyFileTests.record(in: good, at: 3)
                bytes.replaceSubrange(
                    (3 * size)..<(4 * size),
                    with: OpenedKeyFileTests.encode(id: victim.id, key: other.key)
                )
            case .widerMode: break
            }
            try fixture.write(bytes)
            if self == .widerMode {
                try FileManager.default.setAttributes(
                    [.posixPermissions: 0o644],
                    ofItemAtPath: fixture.paths.openedContentKeys
                )
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedFileChangesNoFigureAndIsMendedByTheNextFold(_ damage: Damage) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let cold = try fixture.views()
        let good = fixture.fileBytes
        let goodKeys = Dictionary(
            uniqueKeysWithValues: try (0..<Self.readableCount).map { try Self.record(in: good, at: $0) }
        )
        try damage.apply(to: good, fixture)

        let damaged = try fixture.views()
        #expect(damaged.view == cold.view)
        #expect(damaged.view.digest == cold.view.digest)
        #expect(damaged.audiences == cold.audiences)
        if damage == .wrongKeyWithValidCRC { #expect(damaged.reused == 2 * Self.readableCount - 1) }

        // Read back, the file gives every key right: a damaged tail was cut, a refused key followed by the right one.
        let mended = OpenedKeyFile(path: fixture.paths.openedContentKeys)
        #expect(mended.cache.count == Self.readableCount)
        for (id, key) in goodKeys { #expect(mended.cache.contentKey(for: id) == key) }
        #expect(fixture.fileBytes.count % Self.recordSize == 0)
        #expect(fixture.mode == 0o600)
        #expect(try fixture.views().reused == 2 * Self.readableCount)
    }

    @Test func aNodeDirectoryThatCannotTakeTheFileStillFolds() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let cold = try fixture.views()
        // A directory where the file should be: neither read nor written (as on a read-only copy), never an error.
        try FileManager.default.removeItem(atPath: fixture.paths.openedContentKeys)
        try FileManager.default.createDirectory(
            atPath: fixture.paths.openedContentKeys,
            withIntermediateDirectories: false
        )
        let blocked = try fixture.views()
        #expect(blocked.view == cold.view)
        #expect(blocked.audiences == cold.audiences)
        let readOnly = try Node(root: fixture.root, access: .readOnly)
        #expect(try readOnly.viewState() == cold.view)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: fixture.paths.openedContentKeys, isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    static let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/releasability")

    struct CacheVector: Decodable {
        struct Record: Decodable {
            let entry: String
            let contentKey: String
        }
        let name: String
        let file: String
        let records: [Record]
    }

    /// The files Python wrote from the spec (tools/vectors/gen_releasability_vectors.py) read to the same keys.
    @Test(arguments: [
        "cache-01-records", "cache-02-torn-tail", "cache-03-damaged-record", "cache-04-later-record-wins",
    ])
    func theNodeReadsTheVectorFiles(_ name: String) throws {
        let vector = try JSONDecoder().decode(
            CacheVector.self,
            from: Data(contentsOf: Self.vectors.appendingPathComponent(name + ".json"))
        )
        let path = NSTemporaryDirectory() + "capsync-\(name)-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.hex(vector.file)).write(to: URL(fileURLWithPath: path))
        let file = OpenedKeyFile(path: path)
        #expect(file.cache.count == vector.records.count)
        for record in vector.records {
            let key = file.cache.contentKey(for: EntryID(Self.hex(record.entry)))
            #expect(key?.bytes == Self.hex(record.contentKey), "\(name) \(record.entry)")
        }
    }

    static func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }

    static func record(in bytes: [UInt8], at index: Int) throws -> (id: EntryID, key: Bytes32) {
        let offset = index * recordSize
        try #require(offset + recordSize <= bytes.count)
        return (EntryID(bytes, at: offset), Bytes32(bytes, at: offset + 32))
    }

    /// A record as Protocol/releasability.md §9 defines it (CRC-32C computed here bit by bit, not by the node's code).
    static func encode(id: EntryID, key: Bytes32) -> [UInt8] {
        let body = id.bytes + key.bytes
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in body {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        return body + [
            UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8),
            UInt8(truncatingIfNeeded: crc),
        ]
    }
}
