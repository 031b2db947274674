public import CapSyncWire

/// A partner joins the joint-procurement pool of an item (entry kind 5). The entry's id is the membership's
/// tag in the pool's add-wins observed-remove set.
public struct PoolJoin: Sendable, Hashable {
    public let partner: String
    public let item: String

    public init(partner: String, item: String) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "pool join.partner")
        try FieldRules.checkCode(item, field: "pool join.item")
        self.partner = partner
        self.item = item
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        writer.writeString(partner)
        writer.writeString(item)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "pool join")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        try reader.finish("pool join")
    }
}

/// A partner leaves the pool of an item (entry kind 6), removing the join tags it had observed. A join the
/// leaver had not seen (concurrent with the leave) survives: add wins.
public struct PoolLeave: Sendable, Hashable {
    public let partner: String
    public let item: String
    /// Ids of the partner's own join entries being removed; strictly ascending (one canonical form).
    public let observedTags: [EntryID]

    public init(partner: String, item: String, observedTags: some Sequence<EntryID>) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "pool leave.partner")
        try FieldRules.checkCode(item, field: "pool leave.item")
        let tags = Array(Set(observedTags)).sorted()
        guard tags.count <= FieldRules.maxObservedTags else {
            throw MergeError(
                .invalidValue,
                "a leave names at most \(FieldRules.maxObservedTags) tags",
                context: "pool leave.tags"
            )
        }
        self.partner = partner
        self.item = item
        self.observedTags = tags
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32 + observedTags.count * 32)
        writer.writeString(partner)
        writer.writeString(item)
        writer.writeVarint(UInt64(observedTags.count))
        for tag in observedTags { writer.write(tag) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "pool leave")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        var tags: [EntryID] = []
        do throws(WireError) {
            let count = try reader.readCount("tags.count", limit: FieldRules.maxObservedTags)
            guard reader.remaining >= count * 32 else {
                throw WireError(
                    .truncated,
                    "input ends before \(count) tags",
                    offset: reader.offset,
                    context: "pool leave.tags"
                )
            }
            tags.reserveCapacity(count)
            for _ in 0..<count {
                let range = try reader.skipBytes("tag", count: 32)
                let tag = EntryID(reader.bytes, at: range.lowerBound)
                if let last = tags.last, !(last < tag) {
                    throw WireError(
                        .invalidValue,
                        "tags must be strictly ascending",
                        offset: range.lowerBound,
                        context: "pool leave.tags"
                    )
                }
                tags.append(tag)
            }
        } catch { throw MergeError(error) }
        observedTags = tags
        try reader.finish("pool leave")
    }
}
