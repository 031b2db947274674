import CapSyncCrypto
import CapSyncMerge
import CapSyncWire

/// A deliberately naive fold written from Protocol/fold.md alone: no incremental state, no dictionaries of
/// registers, no rebuilds. It sorts the whole entry set by the last-writer-wins order and lets each later write
/// overwrite an earlier one in plain arrays, then encodes the state with its own encoder. The real fold must
/// produce the same bytes on every input.
struct ReferenceFold {
    let roster: Roster
    let forks: [AuthorKey: UInt64]
    var nowMilliseconds: UInt64?
    var asOf: HLCTimestamp?
    var removedPartners: Set<String> = []
    let driftMilliseconds: UInt64 = 5 * 60_000

    struct Result {
        var canonicalBytes: [UInt8]
        var ignored: [(id: EntryID, reason: IgnoredReason)]
        var flagged: [EntryID]
        /// The standing reports (tombstones left out), needs and pledges, for the reference views.
        var reports: [CapacityReport] = []
        var needs: [Need] = []
        var pledges: [Pledge] = []
    }

    func run(_ input: [Entry]) -> Result {
        // Distinct entries within the as-of time, in id order.
        var entries = input.filter { asOf == nil || $0.timestamp <= asOf! }.sorted { $0.id < $1.id }
        var unique: [Entry] = []
        for entry in entries where unique.last?.id != entry.id { unique.append(entry) }
        entries = unique

        // Fork cutoffs: given forks, and any seq where an author has two entries.
        var cutoff: [AuthorKey: UInt64] = forks
        for a in entries {
            for b in entries where a.author == b.author && a.seq == b.seq && a.id != b.id {
                cutoff[a.author] = min(cutoff[a.author] ?? .max, a.seq)
            }
        }

        var ignored: [(id: EntryID, reason: IgnoredReason)] = []
        var valid: [(entry: Entry, operation: Operation)] = []
        for entry in entries {
            guard let member = roster.members.first(where: { $0.key == entry.author }) else {
                ignored.append((entry.id, .notInRoster))
                continue
            }
            if let last = member.lastValidSeq, entry.seq > last {
                ignored.append((entry.id, .pastLastValidSeq))
                continue
            }
            if let limit = cutoff[entry.author], entry.seq >= limit {
                ignored.append((entry.id, .forkedAuthor))
                continue
            }
            if removedPartners.contains(member.partner) {
                ignored.append((entry.id, .partnerRemoved))
                continue
            }
            if entry.version != 1 {
                ignored.append((entry.id, .unsupportedVersion))
                continue
            }
            if entry.kind == 16 || entry.kind == 17 {
                ignored.append((entry.id, .rosterGovernance))
                continue
            }
            if EntryKind(rawValue: entry.kind) == nil {
                ignored.append((entry.id, .unknownKind))
                continue
            }
            guard let operation = try? Operation(kind: entry.kind, payload: Array(entry.payload)) else {
                ignored.append((entry.id, .malformedPayload))
                continue
            }
            if Array(operation.partner.utf8) != Array(member.partner.utf8) {
                ignored.append((entry.id, .notOwnRecord))
                continue
            }
            if case .pledge(let p) = operation, Array(p.needOwner.utf8) == Array(p.partner.utf8) {
                ignored.append((entry.id, .selfPledge))
                continue
            }
            if case .itemDefinition(let d) = operation, Catalog.standard.items.contains(where: { $0.code == d.code }) {
                ignored.append((entry.id, .builtInCode))
                continue
            }
            valid.append((entry, operation))
        }

        // Last writer wins: apply in ascending (timestamp, author, id) order, later overwriting earlier.
        valid.sort { a, b in
            (a.entry.timestamp.rawValue, a.entry.author, a.entry.id) < (
                b.entry.timestamp.rawValue, b.entry.author, b.entry.id
            )
        }
        var records: [(key: [[UInt8]], entry: Entry, report: CapacityReport?)] = []
        var needs: [(key: [[UInt8]], entry: Entry, need: Need)] = []
        var pledges: [(key: [[UInt8]], entry: Entry, pledge: Pledge)] = []
        var joins: [(key: [[UInt8]], tag: EntryID)] = []
        var removed: [(key: [[UInt8]], tag: EntryID)] = []
        var terms: [(key: [[UInt8]], lead: [UInt8], entry: Entry)] = []
        var shares: [(key: [[UInt8]], entry: Entry)] = []
        var drawdowns: [(key: [[UInt8]], entry: Entry)] = []
        var schedules: [(key: [[UInt8]], entry: Entry)] = []
        var confirmations: [(key: [[UInt8]], entry: Entry)] = []
        var orders: [(key: [[UInt8]], entry: Entry, order: FactoryOrder)] = []
        var answers: [(key: [[UInt8]], entry: Entry, response: OrderResponse)] = []
        // The catalog, in stamp order: the first entry of a code names its owner (and, for items, the unit).
        var definitions: [(code: [UInt8], owner: [UInt8], unit: [UInt8], entry: Entry)] = []
        var groups: [(code: [UInt8], owner: [UInt8], founder: Entry, entry: Entry)] = []
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        func periodBytes(_ p: Period) -> [UInt8] { [UInt8(p.year >> 8), UInt8(p.year & 0xff), p.month] }
        for (entry, operation) in valid {
            switch operation {
            case .capacityReport(let r):
                let key = [bytes(r.partner), bytes(r.item), bytes(r.site), periodBytes(r.period)]
                records.removeAll { $0.key == key }
                records.append((key, entry, r))
            case .reportRetraction(let r):
                let key = [bytes(r.partner), bytes(r.item), bytes(r.site), periodBytes(r.period)]
                records.removeAll { $0.key == key }
                records.append((key, entry, nil))
            case .need(let n):
                let key = [bytes(n.owner), bytes(n.code)]
                needs.removeAll { $0.key == key }
                needs.append((key, entry, n))
            case .pledge(let p):
                let key = [bytes(p.partner), bytes(p.needOwner), bytes(p.needCode)]
                pledges.removeAll { $0.key == key }
                pledges.append((key, entry, p))
            case .poolJoin(let j):
                joins.append(([bytes(j.item), bytes(j.partner)], entry.id))
            case .poolLeave(let l):
                for tag in l.observedTags { removed.append(([bytes(l.item), bytes(l.partner)], tag)) }
            case .poolTerms(let t):
                // In stamp order: the first terms of an item name its lead; the lead's later terms replace them.
                if let standing = terms.firstIndex(where: { $0.key == [bytes(t.item)] }) {
                    if terms[standing].lead == bytes(t.lead) {
                        terms[standing].entry = entry
                    } else {
                        ignored.append((entry.id, .notPoolLead))
                    }
                } else {
                    terms.append(([bytes(t.item)], bytes(t.lead), entry))
                }
            case .poolShare(let share):
                let key = [bytes(share.item), bytes(share.partner)]
                shares.removeAll { $0.key == key }
                shares.append((key, entry))
            case .drawdownPlan(let d):
                let key = [bytes(d.partner), bytes(d.item), bytes(d.site)]
                drawdowns.removeAll { $0.key == key }
                drawdowns.append((key, entry))
            case .deliverySchedule(let d):
                let key = [bytes(d.partner), bytes(d.needOwner), bytes(d.needCode)]
                schedules.removeAll { $0.key == key }
                schedules.append((key, entry))
            case .deliveryConfirmation(let c):
                let key = [bytes(c.needOwner), bytes(c.needCode), bytes(c.pledger)]
                confirmations.removeAll { $0.key == key }
                confirmations.append((key, entry))
            case .factoryOrder(let o):
                let key = [bytes(o.partner), bytes(o.code)]
                orders.removeAll { $0.key == key }
                orders.append((key, entry, o))
            case .orderResponse(let r):
                answers.append(([bytes(r.siteOwner), bytes(r.orderPartner), bytes(r.orderCode)], entry, r))
            case .itemDefinition(let d):
                if let held = definitions.firstIndex(where: { $0.code == bytes(d.code) }) {
                    if definitions[held].owner != bytes(d.partner) {
                        ignored.append((entry.id, .notCatalogOwner))
                    } else if definitions[held].unit != bytes(d.unit) {
                        ignored.append((entry.id, .unitChanged))
                    } else {
                        definitions[held].entry = entry
                    }
                } else {
                    definitions.append((bytes(d.code), bytes(d.partner), bytes(d.unit), entry))
                }
            case .itemGroup(let g):
                if let held = groups.firstIndex(where: { $0.code == bytes(g.code) }) {
                    if groups[held].owner != bytes(g.partner) {
                        ignored.append((entry.id, .notCatalogOwner))
                    } else {
                        groups[held].entry = entry
                    }
                } else {
                    groups.append((bytes(g.code), bytes(g.partner), entry, entry))
                }
            }
        }
        func keyOrder(_ a: [[UInt8]], _ b: [[UInt8]]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return x.lexicographicallyPrecedes(y) }
            return false
        }
        records.sort { keyOrder($0.key, $1.key) }
        needs.sort { keyOrder($0.key, $1.key) }
        pledges.sort { keyOrder($0.key, $1.key) }
        let live = joins.filter { join in !removed.contains { $0.key == join.key && $0.tag == join.tag } }
        var members: [[[UInt8]]] = []
        for join in live where !members.contains(join.key) { members.append(join.key) }
        members.sort(by: keyOrder)

        // Answers stand when their author's partner is the order's site owner (or the order is unknown); among
        // those, the last writer (answers are in stamp order) wins.
        func standingAnswers() -> [([[UInt8]], Entry)] {
            var standing: [([[UInt8]], Entry)] = []
            for answer in answers {
                let order = orders.first { $0.key == [answer.key[1], answer.key[2]] }
                if let order, bytes(order.order.siteOwner) != answer.key[0] {
                    ignored.append((answer.entry.id, .notSiteOwner))
                    continue
                }
                standing.removeAll { $0.0 == answer.key }
                standing.append((answer.key, answer.entry))
            }
            return standing
        }

        // The canonical encoding, written out field by field from the spec.
        var out: [UInt8] = Array("CAPSYNC-STATE-V1".utf8) + [0, 0, 0, 0, 2] + roster.hash.bytes
        func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                out.append(UInt8(v & 0x7f) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        func text(_ b: [UInt8]) {
            varint(UInt64(b.count))
            out += b
        }
        func stamp(_ e: Entry) {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8((e.timestamp.rawValue >> UInt64(shift)) & 0xff))
            }
            out += e.author.bytes
            varint(e.seq)
            out += e.id.bytes
        }
        varint(UInt64(records.count))
        for record in records {
            text(record.key[0])
            text(record.key[1])
            text(record.key[2])
            out += record.key[3]
            stamp(record.entry)
            if let r = record.report {
                out.append(1)
                for v in [r.monthlyCapacity, r.monthlyOutput, r.stockOnHand, r.stockThreshold, r.leadTimeDays] {
                    varint(v)
                }
                text(bytes(r.constraints))
            } else {
                out.append(0)
            }
        }
        varint(UInt64(needs.count))
        for n in needs {
            stamp(n.entry)
            out += n.entry.payload  // the need's payload encoding, as stored
        }
        varint(UInt64(pledges.count))
        for p in pledges {
            stamp(p.entry)
            out += p.entry.payload
        }
        varint(UInt64(members.count))
        for key in members {
            text(key[0])
            text(key[1])
            let tags = live.filter { $0.key == key }.map(\.tag).sorted()
            varint(UInt64(Set(tags).count))
            for tag in Set(tags).sorted() { out += tag.bytes }
        }
        for section in [
            terms.map { ($0.key, $0.entry) }, shares.map { ($0.key, $0.entry) }, drawdowns.map { ($0.key, $0.entry) },
            schedules.map { ($0.key, $0.entry) }, confirmations.map { ($0.key, $0.entry) },
            orders.map { ($0.key, $0.entry) }, standingAnswers(),
        ] {
            let sorted = section.sorted { keyOrder($0.0, $1.0) }
            varint(UInt64(sorted.count))
            for (_, entry) in sorted {
                stamp(entry)
                out += entry.payload
            }
        }
        if !definitions.isEmpty || !groups.isEmpty {
            varint(UInt64(definitions.count))
            for definition in definitions.sorted(by: { $0.code.lexicographicallyPrecedes($1.code) }) {
                stamp(definition.entry)
                out += definition.entry.payload
            }
            varint(UInt64(groups.count))
            for group in groups.sorted(by: { $0.code.lexicographicallyPrecedes($1.code) }) {
                stamp(group.founder)
                stamp(group.entry)
                out += group.entry.payload
            }
        }

        ignored.sort { a, b in
            let ea = entries.first { $0.id == a.id }!
            let eb = entries.first { $0.id == b.id }!
            return (ea.author, ea.seq, ea.id) < (eb.author, eb.seq, eb.id)
        }
        let flagged =
            nowMilliseconds.map { now in
                entries.filter { $0.timestamp.milliseconds > now + driftMilliseconds }.sorted {
                    ($0.author, $0.seq, $0.id) < ($1.author, $1.seq, $1.id)
                }.map(\.id)
            } ?? []
        return Result(
            canonicalBytes: out,
            ignored: ignored,
            flagged: flagged,
            reports: records.compactMap(\.report),
            needs: needs.map(\.need),
            pledges: pledges.map(\.pledge)
        )
    }
}
