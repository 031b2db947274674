import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Foundation

@testable import CapSyncLog

/// The store tests' seeded generator.
typealias SeededRandom = SplitMix64

/// Keys, roster and helpers shared by the store tests.
enum Fixture {
    static func key(_ n: UInt8) -> Ed25519PrivateKey { try! Ed25519PrivateKey(seed: [UInt8](repeating: n, count: 32)) }
    static let own = key(1)
    static let alice = key(2)
    static let bob = key(3)
    static let outsider = key(4)

    static func author(_ key: Ed25519PrivateKey) -> AuthorKey { AuthorKey(key.publicKey) }

    static func roster(lastValidSeq: [AuthorKey: UInt64] = [:]) -> Roster {
        try! Roster(
            serial: 1,
            members: [
                .init(partner: "NO", key: author(own), lastValidSeq: lastValidSeq[author(own)]),
                .init(partner: "NL", key: author(alice), lastValidSeq: lastValidSeq[author(alice)]),
                .init(partner: "US", key: author(bob), lastValidSeq: lastValidSeq[author(bob)]),
            ]
        )
    }

    static let now: UInt64 = 1_800_000_000_000

    static func operations(_ count: Int, tag: String = "op") -> [(kind: UInt64, payload: [UInt8])] {
        (0..<count).map { (kind: 1, payload: Array("\(tag) \($0)".utf8)) }
    }

    /// A chain of `count` entries signed by `key`, starting after `after` (or at seq 1).
    static func chain(
        _ key: Ed25519PrivateKey,
        count: Int,
        after: Entry? = nil,
        kind: UInt64 = 1,
        version: UInt8 = Entry.currentVersion,
        tag: String = "x"
    ) -> [Entry] {
        var entries: [Entry] = []
        var previous = after
        for i in 0..<count {
            let seq = (previous?.seq ?? 0) + 1
            let timestamp = HLCTimestamp(
                rawValue: (previous?.timestamp.rawValue ?? HLCTimestamp(milliseconds: now).rawValue) + 1
            )
            let entry = try! Entry.sign(
                version: version,
                key: key,
                seq: seq,
                prev: previous?.id ?? .zero,
                timestamp: timestamp,
                kind: kind,
                payload: Array("\(tag) \(i)".utf8)
            )
            entries.append(entry)
            previous = entry
        }
        return entries
    }

    /// The same entry with one signature bit flipped (still decodes; no longer verifies).
    static func forged(_ entry: Entry) -> Entry {
        var bytes = entry.encoded
        bytes[bytes.count - 1] ^= 0x01
        return try! Entry(decoding: bytes)
    }
}

/// A temporary directory removed when the test is done.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "capsync-log-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Reads every entry of a store and checks signatures and chain links, author by author.
func verifyWholeStore(_ store: LogStore) throws -> Int {
    var previous: Entry?
    var count = 0
    try store.forEachEntry { entry in
        guard entry.verifySignature() else { throw StoreError(.corruptRecord, "seq \(entry.seq) does not verify") }
        if let previous, previous.author == entry.author {
            try entry.checkFollows(previous)
        } else if entry.seq != 1 {
            throw StoreError(.corruptRecord, "chain of \(entry.author.short) starts at \(entry.seq)")
        }
        previous = entry
        count += 1
    }
    return count
}
