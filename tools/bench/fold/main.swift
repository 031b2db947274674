// capsync-bench-fold — throughput and memory of the fold (README, performance; a harness that prints, never asserts).
//
//   swift build -c release --product capsync-bench-fold && .build/release/capsync-bench-fold [entries] [partners] [items]
//   (CAPSYNC_BENCH_FOLD_ONLY=1 stops after the fold, for profiling it alone)
//
// Builds a coalition's history — `partners` partners × `items` items × monthly reports, plus needs, pledges and
// pool joins — as entries with placeholder signatures (the fold never verifies: ingest does), then times the fold
// (add every entry + finish), a shuffled fold split into four partial folds merged, the state digest, the views,
// and prints the resident memory the fold state adds. SHA-256 is measured in the same run for comparison.
import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Foundation

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// CPU time of this process: on a shared machine the wall clock also counts other people's work.
func cpuNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

nonisolated(unsafe) var lastCPU = 0.0

/// Wall-clock seconds of `body`; its CPU seconds are left in `lastCPU`.
func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let cpuStart = cpuNow()
    body()
    lastCPU = cpuNow() - cpuStart
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let entryTarget = arguments.count > 0 ? arguments[0] : 1_000_000
let partnerCount = arguments.count > 1 ? arguments[1] : 40
let itemCount = arguments.count > 2 ? arguments[2] : 500

// MARK: Build the history

let partners = (0..<partnerCount).map { String(format: "P%02d", $0) }
let items = (0..<itemCount).map { String(format: "ITEM-%04d", $0) }
let keys = (0..<partnerCount).map { AuthorKey(SHA256.hash(Array("bench-key-\($0)".utf8))) }
let roster = try Roster(serial: 1, members: zip(partners, keys).map { Roster.Member(partner: $0, key: $1) })
var rng = SplitMix64(state: 2026)
var seqs = [UInt64](repeating: 0, count: partnerCount)
var heads = [EntryID](repeating: .zero, count: partnerCount)
var entries: [Entry] = []
entries.reserveCapacity(entryTarget)
let months = max(1, entryTarget / (partnerCount * itemCount))
let t0: UInt64 = 1_700_000_000_000
print(
    "building \(entryTarget) entries: \(partnerCount) partners × \(itemCount) items × \(months) months of reports, with needs, pledges, pools…"
)
let buildTime = seconds {
    var month = 0
    var index = 0
    while entries.count < entryTarget {
        let p = index % partnerCount
        let i = (index / partnerCount) % itemCount
        if index > 0 && index % (partnerCount * itemCount) == 0 { month += 1 }
        let year = UInt16(2000 + month / 12)
        let monthOfYear = UInt8(1 + month % 12)
        let operation: CapSyncMerge.Operation
        switch rng.next() % 100 {
        case 0:
            operation = .need(
                try! Need(
                    owner: partners[p],
                    code: "NEED-\(i)",
                    item: items[i],
                    quantity: rng.next() % 10_000,
                    due: try! Day(year: year, month: monthOfYear, day: 28),
                    priority: 1
                )
            )
        case 1:
            operation = .pledge(
                try! Pledge(
                    partner: partners[p],
                    needOwner: partners[(p + 1) % partnerCount],
                    needCode: "NEED-\(i)",
                    quantity: rng.next() % 1_000
                )
            )
        case 2: operation = .poolJoin(try! PoolJoin(partner: partners[p], item: items[i]))
        default:
            operation = .capacityReport(
                try! CapacityReport(
                    partner: partners[p],
                    item: items[i],
                    site: "Site-\(rng.next() % 2)",
                    period: try! Period(year: year, month: monthOfYear),
                    monthlyCapacity: rng.next() % 100_000,
                    monthlyOutput: rng.next() % 100_000,
                    stockOnHand: rng.next() % 1_000_000,
                    stockThreshold: rng.next() % 100_000,
                    leadTimeDays: rng.next() % 365
                )
            )
        }
        seqs[p] += 1
        var writer = ByteWriter(capacity: 256)
        writer.writeUInt8(1)
        writer.writeBytes(keys[p].bytes)
        writer.writeVarint(seqs[p])
        writer.writeBytes(heads[p].bytes)
        writer.writeUInt64(HLCTimestamp(milliseconds: t0 + UInt64(index)).rawValue)
        writer.writeVarint(operation.kind.rawValue)
        writer.writeLengthPrefixed(operation.payload())
        writer.writeBytes([UInt8](repeating: 0, count: Entry.signatureSize))
        let entry = try! Entry(decoding: writer.bytes)
        heads[p] = entry.id
        entries.append(entry)
        index += 1
    }
}
print(String(format: "built in %.1f s", buildTime))

// MARK: Fold

// Decoding alone (strict payload decoding is part of every add): the floor under the fold's rate.
var decoded = 0
_ = seconds {
    for entry in entries where (try? MergeOperation(entry: entry)) != nil { decoded += 1 }
}
print(
    String(
        format: "payload decode alone:    %.2f s CPU %10.0f entries/s (%d decoded)",
        lastCPU,
        Double(entries.count) / lastCPU,
        decoded
    )
)

let rssBefore = residentBytes()
var state = FoldState(Fold(roster: roster))
state.reserveCapacity(entries: entries.count)
var result: CoalitionState?
var addCPU = 0.0
let foldTime = seconds {
    let start = cpuNow()
    for entry in entries { state.add(entry) }
    addCPU = cpuNow() - start
    result = state.finish()
}
let rssAfter = residentBytes()
let coalition = result!
let foldCPU = lastCPU
print(
    String(
        format:
            "fold (add + finish):     %.2f s wall %10.0f entries/s; %.2f s CPU %10.0f entries/s  (target ≥ 1,000,000)",
        foldTime,
        Double(entries.count) / foldTime,
        foldCPU,
        Double(entries.count) / foldCPU
    )
)
print(
    String(
        format: "  of which add:          %.2f s CPU %10.0f entries/s; finish (sorted state): %.2f s CPU",
        addCPU,
        Double(entries.count) / addCPU,
        foldCPU - addCPU
    )
)
print(
    "fold state memory:       \(mb(rssAfter - rssBefore)) resident added (\(coalition.records.count) records, \(coalition.needs.count) needs, \(coalition.pledges.count) pledges, \(coalition.pools.count) pool memberships; entries themselves \(mb(entries.reduce(0) { $0 + $1.encoded.count })) not counted)"
)

// CAPSYNC_BENCH_FOLD_ONLY=1 stops here: a profile (perf record) then shows the fold alone.
if ProcessInfo.processInfo.environment["CAPSYNC_BENCH_FOLD_ONLY"] == "1" { exit(0) }

var digest = Bytes32.zero
var canonicalSize = 0
let digestTime = seconds {
    let bytes = coalition.canonicalBytes
    canonicalSize = bytes.count
    digest = Bytes32(SHA256.hash(bytes))
}
print(String(format: "state digest:            %.2f s  (%@ canonical) %@", digestTime, mb(canonicalSize), digest.short))

// The views for the latest month the history reports (its records' greatest month).
let viewMonth = ViewPeriod(coalition.records.map(\.period).max() ?? Period(containingMilliseconds: 0))
let viewTime = seconds {
    _ = coalition.totals(at: viewMonth)
    _ = coalition.shortfallMatches(at: viewMonth, today: Day(containingMilliseconds: 1_793_491_200_000))
    _ = coalition.thresholdAlerts(at: viewMonth)
    _ = coalition.poolViews()
}
print(String(format: "views (totals, shortfall matches, alerts, pools): %.2f s", viewTime))

// The stock projection (a view after the fold): the item of the most pressing open need, twelve months ahead.
let projectedItem = coalition.shortfalls().first?.item ?? coalition.records.first?.item ?? ""
var projectedPartners = 0
let projectionTime = seconds {
    projectedPartners = coalition.projection(item: projectedItem, from: viewMonth.period, months: 12).partners.count
}
print(String(format: "projection (one item, 12 months, %d partners): %.3f s", projectedPartners, projectionTime))

// As a node computes it: the store holds one entry per (author, seq), forks come from its proofs.
let setTime = seconds {
    let admitted = entries.lazy.filter { EntrySetDigest.admits($0.author, seq: $0.seq, roster: roster, forks: [:]) }
    _ = EntrySetDigest.digest(admittedIDs: admitted.map(\.id), forks: [:], roster: roster)
}
print(String(format: "entry-set digest:        %.2f s", setTime))

// Shuffled, split in four partial folds, merged: must give the same digest.
var shuffled = entries
shuffled.shuffle(using: &rng)
var merged: CoalitionState?
let partialTime = seconds {
    let quarter = (shuffled.count + 3) / 4
    var parts: [FoldState] = []
    for start in stride(from: 0, to: shuffled.count, by: quarter) {
        var part = FoldState(Fold(roster: roster))
        for entry in shuffled[start..<min(start + quarter, shuffled.count)] { part.add(entry) }
        parts.append(part)
    }
    var combined = parts[0]
    for part in parts.dropFirst() { try! combined.merge(part) }
    merged = combined.finish()
}
print(
    String(
        format: "shuffled, 4 partial folds merged: %.2f s wall; %.2f s CPU %10.0f entries/s  same digest: %@",
        partialTime,
        lastCPU,
        Double(entries.count) / lastCPU,
        merged!.digest == digest ? "yes" : "NO"
    )
)

// MARK: Reference figure measured in the same run

let block = [UInt8](repeating: 0x5a, count: 256)
var hashes = 0
let shaTime = seconds {
    while hashes < 2_000_000 {
        _ = SHA256.hash(block)
        hashes += 1
    }
}
print(String(format: "SHA-256 of 256-byte blocks (same run): %.0f MB/s", Double(hashes * 256) / shaTime / 1_048_576))
