import CapSyncWire

/// Hashes and compares a string by its UTF-8 bytes. Swift's `String ==` is Unicode canonical equivalence,
/// under which two different byte strings can be "equal"; the fold must treat them as different records on
/// every node, so record keys compare bytes.
@inline(__always)
func hashBytes(of text: String, into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    hasher.combine(text.utf8.count)
}

struct RecordKey: Hashable {
    let partner: String, item: String, site: String, period: Period

    static func == (a: RecordKey, b: RecordKey) -> Bool {
        a.period == b.period && FieldRules.sameBytes(a.partner, b.partner) && FieldRules.sameBytes(a.item, b.item)
            && FieldRules.sameBytes(a.site, b.site)
    }

    func hash(into hasher: inout Hasher) {
        hashBytes(of: partner, into: &hasher)
        hashBytes(of: item, into: &hasher)
        hashBytes(of: site, into: &hasher)
        hasher.combine(period)
    }
}

/// (partner, need code) for needs; (pledging partner, need owner, need code) for pledges; (item, partner) for
/// pool memberships — three string parts, unused ones empty.
struct TextKey: Hashable {
    let a: String, b: String, c: String

    static func == (x: TextKey, y: TextKey) -> Bool {
        FieldRules.sameBytes(x.a, y.a) && FieldRules.sameBytes(x.b, y.b) && FieldRules.sameBytes(x.c, y.c)
    }

    func hash(into hasher: inout Hasher) {
        hashBytes(of: a, into: &hasher)
        hashBytes(of: b, into: &hasher)
        hashBytes(of: c, into: &hasher)
    }
}

/// The merged values the fold keeps while entries arrive: last-writer-wins registers and the pools'
/// observed-remove sets. Every `apply` is commutative, associative and idempotent, so the order entries arrive
/// in never matters.
struct Registers: Sendable {
    /// A report, or nil for a retraction's tombstone.
    var records: [RecordKey: (stamp: Stamp, report: CapacityReport?)] = [:]
    var needs: [TextKey: (stamp: Stamp, need: Need)] = [:]
    var pledges: [TextKey: (stamp: Stamp, pledge: Pledge)] = [:]
    /// (item, partner) → join tags seen.
    var poolJoins: [TextKey: Set<EntryID>] = [:]
    /// (item, partner) → tags the partner's own leaves removed.
    var poolRemoved: [TextKey: Set<EntryID>] = [:]

    mutating func apply(_ operation: Operation, stamp: Stamp) {
        switch operation {
        case .capacityReport(let report):
            let key = RecordKey(partner: report.partner, item: report.item, site: report.site, period: report.period)
            if let current = records[key], !(current.stamp < stamp) { return }
            records[key] = (stamp, report)
        case .reportRetraction(let retraction):
            let key = RecordKey(partner: retraction.partner, item: retraction.item, site: retraction.site, period: retraction.period)
            if let current = records[key], !(current.stamp < stamp) { return }
            records[key] = (stamp, nil)
        case .need(let need):
            let key = TextKey(a: need.owner, b: need.code, c: "")
            if let current = needs[key], !(current.stamp < stamp) { return }
            needs[key] = (stamp, need)
        case .pledge(let pledge):
            let key = TextKey(a: pledge.partner, b: pledge.needOwner, c: pledge.needCode)
            if let current = pledges[key], !(current.stamp < stamp) { return }
            pledges[key] = (stamp, pledge)
        case .poolJoin(let join):
            poolJoins[TextKey(a: join.item, b: join.partner, c: ""), default: []].insert(stamp.entryID)
        case .poolLeave(let leave):
            guard !leave.observedTags.isEmpty else { return }
            poolRemoved[TextKey(a: leave.item, b: leave.partner, c: ""), default: []].formUnion(leave.observedTags)
        }
    }
}
