import CapSyncTestSupport
import CapSyncWire
import Testing

@testable import CapSyncLog

/// The id → location table behind `LogStore.entry(id:)` and ingest's duplicate check: inserted one by one
/// (writes) or deferred and indexed in one partitioned pass (open), it must find exactly what was put in.
@Suite struct EntryIDTableTests {
    static func ids(_ count: Int, seed: UInt64) -> [EntryID] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            var bytes: [UInt8] = []
            for _ in 0..<4 { bytes += withUnsafeBytes(of: random.next()) { Array($0) } }
            return EntryID(bytes)
        }
    }

    static func location(_ ordinal: Int) -> RecordLocation {
        RecordLocation(segment: 1 + ordinal % 7, offset: Int64(ordinal) * 181, size: 181 + ordinal % 1000)
    }

    /// Counts below and above the partitioning threshold, each split between deferred and direct inserts.
    @Test(arguments: [10, EntryIDTable.partitionThreshold - 1, EntryIDTable.partitionThreshold, 40_000])
    func findsEveryIDAndNothingElse(count: Int) {
        let ids = Self.ids(count, seed: UInt64(count))
        let absent = Self.ids(1000, seed: 99)
        var table = EntryIDTable()
        for (ordinal, id) in ids.enumerated().prefix(count / 2) {
            table.appendDeferred(id, at: Self.location(ordinal))
        }
        let repeated = table.indexDeferred()
        #expect(repeated == nil)
        for (ordinal, id) in ids.enumerated().dropFirst(count / 2) {
            let inserted = table.insert(id, at: Self.location(ordinal))
            #expect(inserted)
        }
        #expect(table.count == count)
        for (ordinal, id) in ids.enumerated() { #expect(table.location(of: id) == Self.location(ordinal)) }
        for id in absent { #expect(table.location(of: id) == nil) }
        let insertedAgain = table.insert(ids[count / 3], at: Self.location(0))
        #expect(!insertedAgain, "a present id is refused")
        #expect(table.count == count)
    }

    /// A repeated id among deferred ones is reported (the first repeat in append order), whether it repeats an
    /// indexed id or another deferred one, and with reserve() growing the table while ids wait.
    @Test(arguments: [100, 20_000])
    func deferredRepeatIsReported(count: Int) throws {
        let ids = Self.ids(count, seed: 7)
        var table = EntryIDTable()
        for (ordinal, id) in ids.enumerated().prefix(10) { _ = table.insert(id, at: Self.location(ordinal)) }
        for (ordinal, id) in ids.enumerated().dropFirst(10) { table.appendDeferred(id, at: Self.location(ordinal)) }
        table.reserve(4 * count)
        table.appendDeferred(ids[count - 5], at: Self.location(count))
        table.appendDeferred(ids[3], at: Self.location(count + 1))
        let found = table.indexDeferred()
        let repeated = try #require(found)
        #expect(repeated.id == ids[count - 5] && repeated.location == Self.location(count))
        #expect(table.location(of: ids[count - 5]) == Self.location(count - 5))
        #expect(table.location(of: ids[3]) == Self.location(3))
    }
}
