// capsync-bench-dashboard — how long the dashboard takes to build and to render in a browser (README,
// performance; a harness that prints, never asserts).
//
//   swift build -c release --product capsync-bench-dashboard && .build/release/capsync-bench-dashboard \
//       [partners] [items] [months]        (default 50 × 200 × 24)
//
// Folds a history of `partners` × `items` × `months` monthly reports (one site each, the last four months plans)
// plus needs, pledges and pool joins (placeholder signatures: the fold never verifies), builds the dashboard model
// and page, writes it to a temporary file and loads it in headless Chromium from file:// three times. The page's
// own script records `performance.now()` once the document has loaded and its layout was forced: parse, style and
// layout of every chart, without the browser's start-up. The wall time of a screenshot (which also paints) is
// printed beside that of an empty page's.
import CapSyncCrypto
import CapSyncDashboard
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let partnerCount = arguments.count > 0 ? arguments[0] : 50
let itemCount = arguments.count > 1 ? arguments[1] : 200
let monthCount = arguments.count > 2 ? arguments[2] : 24
let limitMilliseconds = 2000.0

let partners = (0..<partnerCount).map { String(format: "P%02d", $0) }
let items = (0..<itemCount).map { String(format: "ITEM-%04d", $0) }
let keys = (0..<partnerCount).map { AuthorKey(SHA256.hash(Array("bench-key-\($0)".utf8))) }
let roster = try Roster(serial: 1, members: zip(partners, keys).map { Roster.Member(partner: $0, key: $1) })
var rng = SplitMix64(state: 2026)
var seqs = [UInt64](repeating: 0, count: partnerCount)
var heads = [EntryID](repeating: .zero, count: partnerCount)
var entries: [Entry] = []
let firstMonth = try Period(year: 2025, month: 1)
let viewMonth = firstMonth.adding(months: max(0, monthCount - 5))
let t0: UInt64 = 1_700_000_000_000

@MainActor func append(_ p: Int, _ operation: CapSyncMerge.Operation) {
    seqs[p] += 1
    var writer = ByteWriter(capacity: 256)
    writer.writeUInt8(1)
    writer.writeBytes(keys[p].bytes)
    writer.writeVarint(seqs[p])
    writer.writeBytes(heads[p].bytes)
    writer.writeUInt64(HLCTimestamp(milliseconds: t0 + UInt64(entries.count)).rawValue)
    writer.writeVarint(operation.kind.rawValue)
    writer.writeLengthPrefixed(operation.payload())
    writer.writeBytes([UInt8](repeating: 0, count: Entry.signatureSize))
    let entry = try! Entry(decoding: writer.bytes)
    heads[p] = entry.id
    entries.append(entry)
}

let buildTime = try seconds {
    for month in 0..<monthCount {
        for i in 0..<itemCount {
            for p in 0..<partnerCount {
                let capacity = 1_000 + rng.next() % 100_000
                let threshold = rng.next() % 20_000
                append(
                    p,
                    .capacityReport(
                        try CapacityReport(
                            partner: partners[p],
                            item: items[i],
                            site: "Site-\(p % 3)",
                            period: firstMonth.adding(months: month),
                            monthlyCapacity: capacity,
                            monthlyOutput: rng.next() % capacity,
                            stockOnHand: rng.next() % 40_000,
                            stockThreshold: threshold,
                            leadTimeDays: rng.next() % 180
                        )
                    )
                )
            }
        }
    }
    let due = try Day(year: 2026, month: 12, day: 31)
    for n in 0..<100 {
        let owner = n % partnerCount
        append(
            owner,
            .need(
                try Need(
                    owner: partners[owner],
                    code: "NEED-\(n)",
                    item: items[n % itemCount],
                    quantity: 10_000 + rng.next() % 90_000,
                    due: due,
                    priority: UInt8(1 + n % 5)
                )
            )
        )
        let pledger = (owner + 1) % partnerCount
        append(
            pledger,
            .pledge(
                try Pledge(
                    partner: partners[pledger],
                    needOwner: partners[owner],
                    needCode: "NEED-\(n)",
                    quantity: rng.next() % 20_000
                )
            )
        )
    }
    for i in 0..<min(20, itemCount) {
        for p in 0..<min(5, partnerCount) { append(p, .poolJoin(try PoolJoin(partner: partners[p], item: items[i]))) }
    }
}
print(
    "history: \(partnerCount) partners × \(itemCount) items × \(monthCount) months = \(entries.count) entries "
        + String(format: "(built in %.1f s); view month %@", buildTime, viewMonth.description)
)

var state = FoldState(Fold(roster: roster))
var coalition: CoalitionState?
let foldTime = seconds {
    for entry in entries { state.add(entry) }
    coalition = state.finish()
}
print(String(format: "fold:                    %8.0f ms", foldTime * 1000))

let health = NodeHealth(
    partner: partners[0],
    rosterHash: roster.hash.hex,
    rosterSerial: 1,
    rosterChainVersion: nil,
    rosterChainHead: nil,
    pendingProposals: 0,
    rosterForkSerial: nil,
    entries: entries.count,
    storeBytes: 0,
    storeDamage: nil,
    heads: [],
    peers: [],
    forks: []
)
var model: DashboardModel?
let modelTime = seconds {
    model = DashboardModel(
        state: coalition!,
        view: ViewPeriod(viewMonth),
        today: try! Day(year: 2026, month: 8, day: 1),
        item: nil,
        health: health,
        generatedAt: "bench",
        asOf: nil
    )
}
print(String(format: "views for the page:      %8.0f ms", modelTime * 1000))
var html = ""
let renderTime = seconds { html = DashboardPage(model: model!).render() }
print(
    String(format: "page (HTML + SVG):       %8.0f ms, %.1f MB", renderTime * 1000, Double(html.utf8.count) / 1_048_576)
)

let directory = NSTemporaryDirectory() + "capsync-bench-dashboard-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
try Data(html.utf8).write(to: URL(fileURLWithPath: directory + "/dashboard.html"))
try Data("<!DOCTYPE html><title>empty</title>".utf8).write(to: URL(fileURLWithPath: directory + "/empty.html"))

let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}
guard let chromium else {
    print("headless Chromium not found (apt-get install -y chromium): browser figures skipped")
    exit(0)
}

/// Runs Chromium headless on a page and returns (wall seconds, standard output).
@MainActor func browse(_ page: String, _ mode: [String], run: Int) throws -> (Double, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--hide-scrollbars", "--window-size=1280,1600",
            "--user-data-dir=\(directory)/profile-\(run)",
        ] + mode + ["file://\(directory)/\(page)"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    var text = ""
    let wall = try seconds {
        try process.run()
        text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
    }
    return (wall, text)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

var loaded: [Double] = []
var shotPage: [Double] = []
var shotEmpty: [Double] = []
for run in 0..<3 {
    let (_, dom) = try browse("dashboard.html", ["--dump-dom"], run: run)
    if let range = dom.range(of: "data-loaded-ms=\""),
        let value = Double(dom[range.upperBound...].prefix { $0.isNumber })
    {
        loaded.append(value)
    }
    shotEmpty.append(try browse("empty.html", ["--screenshot=\(directory)/empty.png"], run: run).0)
    shotPage.append(try browse("dashboard.html", ["--screenshot=\(directory)/page.png"], run: run).0)
}
guard !loaded.isEmpty else {
    print("the page's script did not report its load time")
    exit(1)
}
let load = median(loaded)
print(
    String(
        format: "browser load + layout:   %8.0f ms (median of %d; limit %.0f ms: %@)",
        load,
        loaded.count,
        limitMilliseconds,
        load <= limitMilliseconds ? "meets" : "MISSES"
    )
)
print(
    String(
        format: "screenshot wall time:    %8.0f ms, empty page %.0f ms (browser start-up and exit included)",
        median(shotPage) * 1000,
        median(shotEmpty) * 1000
    )
)
