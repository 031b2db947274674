import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The fold decodes capacity reports and retractions on a fast path straight from the payload bytes; anything
/// it does not accept goes to the strict decoder. These tests feed both kinds with valid, edge and mutated
/// payloads (flipped, cut, extended bytes; non-minimal and over-limit varints; other partners; UTF-8 sites and
/// constraints) and require the naive reference fold's bytes and ignored listing every time.
private let fastPathAuthors = [
    RandomCoalition.Author(partner: "NO", key: RandomCoalition.keyFor(11)),
    RandomCoalition.Author(partner: "PL", key: RandomCoalition.keyFor(12)),
]
private let fastPathRoster = try! Roster(
    serial: 1,
    members: fastPathAuthors.map { Roster.Member(partner: $0.partner, key: $0.key) }
)

@Suite struct FastPathTests {

    /// A valid payload of kind 1 or 2 with fields near their limits now and then.
    static func payload(kind: UInt64, partner: String, rng: inout SplitMix64) -> [UInt8] {
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        let item = pick(["SHELL-155-HE", "A", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "9-X"])
        let site = pick([
            "Plant-1", "S", "Raufoss depot", "Zakłady Mechaniczne", String(repeating: "s", count: 64), "a~b",
        ])
        let period = pick([try! Period("2026-11"), try! Period("1970-01"), try! Period("9999-12")])
        if kind == EntryKind.reportRetraction.rawValue {
            return try! ReportRetraction(partner: partner, item: item, site: site, period: period).encoded
        }
        func quantity() -> UInt64 {
            pick([0, 1, 127, 128, 16_383, 16_384, FieldRules.maxQuantity, rng.next() % 1_000_000])
        }
        return try! CapacityReport(
            partner: partner,
            item: item,
            site: site,
            period: period,
            monthlyCapacity: quantity(),
            monthlyOutput: quantity(),
            stockOnHand: quantity(),
            stockThreshold: quantity(),
            leadTimeDays: pick([0, 127, 128, FieldRules.maxLeadTimeDays]),
            constraints: pick(["", "energy", "line one\nline two", "énergie", String(repeating: "x", count: 200)])
        ).encoded
    }

    /// One of several ways to break (or keep) a payload.
    static func mutate(_ bytes: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        let position = Int(rng.next() % UInt64(max(bytes.count, 1)))
        switch rng.next() % 9 {
        case 0: return bytes
        case 1: bytes[position] ^= UInt8(1 << (rng.next() % 8))
        case 2: bytes[position] = [0x00, 0x1f, 0x20, 0x2d, 0x41, 0x7f, 0x80, 0xff][Int(rng.next() % 8)]
        case 3: bytes.removeLast(1 + Int(rng.next() % 3))
        case 4: bytes.append(UInt8(truncatingIfNeeded: rng.next()))
        case 5: bytes.insert(0x80, at: position)  // a varint made longer (often non-minimal)
        case 6: bytes[position] |= 0x80
        case 7: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
        default: bytes.remove(at: position)
        }
        return bytes
    }

    @Test func fastPathMatchesTheStrictReference() throws {
        var rng = SplitMix64(seed: 0xFA57)
        for _ in 0..<300 {
            var entries: [Entry] = []
            var heads = [EntryID](repeating: .zero, count: fastPathAuthors.count)
            var seqs = [UInt64](repeating: 0, count: fastPathAuthors.count)
            for index in 0..<20 {
                let a = Int(rng.next() % UInt64(fastPathAuthors.count))
                let kind: UInt64 =
                    rng.next() % 4 == 0 ? EntryKind.reportRetraction.rawValue : EntryKind.capacityReport.rawValue
                // Now and then a report for the other partner (not its own record).
                let partner = rng.next() % 10 == 0 ? fastPathAuthors[1 - a].partner : fastPathAuthors[a].partner
                let payload = Self.mutate(Self.payload(kind: kind, partner: partner, rng: &rng), rng: &rng)
                seqs[a] += 1
                let entry = unsignedEntry(
                    author: fastPathAuthors[a].key,
                    seq: seqs[a],
                    prev: heads[a],
                    timestamp: HLCTimestamp(milliseconds: 1_000_000 + UInt64(index) * (rng.next() % 3)),
                    kind: kind,
                    payload: payload
                )
                heads[a] = entry.id
                entries.append(entry)
            }
            let reference = ReferenceFold(roster: fastPathRoster, forks: [:]).run(entries)
            let result = Fold(roster: fastPathRoster)(entries)
            let sameBytes = result.canonicalBytes == reference.canonicalBytes
            let sameIgnored =
                result.ignored.map(\.id) == reference.ignored.map(\.id)
                && result.ignored.map(\.reason) == reference.ignored.map(\.reason)
            #expect(sameBytes, "entries: \(entries.map { Hex.encode($0.encoded) })")
            #expect(sameIgnored)
            // The strict decoder's verdict on each entry, applied or ignored, is what the fold lists.
            let ignoredIDs = Set(result.ignored.map(\.id))
            for entry in entries {
                let strict = try? Operation(entry: entry)
                let applies = strict.map { $0.partner == fastPathRoster.partner(of: entry.author) } ?? false
                #expect(applies == !ignoredIDs.contains(entry.id))
            }
            if !sameBytes { return }
        }
    }
}
