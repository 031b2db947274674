import CapSyncCrypto
import CapSyncLog
import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// The cost of a restricted entry (Protocol/releasability.md) beside a plain one, for the same capacity report:
/// sealing it (one X25519 wrap per partner of the label), appending it (sign and write in batches), ingesting
/// it at another node (signature checks), and folding it — coalition-wide (left out unread) and by a reader of
/// its audience: cold (each one opened in full) and warm (with the content keys a cold fold kept, read back from
/// the node's file of opened keys). The limit shown beside each is the Ed25519 sign or verify rate of this run.
/// `ReleaseNodeBenchmarks` then measures a node's view and audience digests as one-shot commands compute them.
enum ReleaseBenchmarks {
    static let count = 2_000
    static let label = ["DE", "NL", "US"]

    static func run(_ context: BenchContext) throws {
        let limits = context.limits
        let author = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let authorKey = AuthorKey(author.publicKey)
        var decryption: [String: X25519PrivateKey] = [:]
        for (index, partner) in label.enumerated() {
            decryption[partner] = try X25519PrivateKey(rawBytes: [UInt8](repeating: UInt8(40 + index), count: 32))
        }
        let recipients = decryption.mapValues(\.publicKey)
        let roster = try Roster(serial: 1, members: [.init(partner: "DE", key: authorKey)])
        let reports = try (0..<count).map { index in
            CapSyncMerge.Operation.capacityReport(
                try CapacityReport(
                    partner: "DE",
                    item: "SHELL-155-HE",
                    site: "Site-\(index)",
                    period: try Period("2026-11"),
                    monthlyCapacity: 1000,
                    monthlyOutput: 900,
                    stockOnHand: 5000,
                    stockThreshold: 2000,
                    leadTimeDays: 30,
                    constraints: ""
                )
            )
        }
        let plain = reports.map { (kind: $0.kind.rawValue, payload: $0.payload()) }
        var sealed: [(kind: UInt64, payload: [UInt8])] = []
        let sealSeconds = try BenchContext.seconds {
            for report in reports {
                let payload = try SealedEnvelope.seal(
                    kind: report.kind.rawValue,
                    payload: report.payload(),
                    recipients: recipients,
                    rosterSerial: 1,
                    author: authorKey
                )
                sealed.append((kind: SealedPayload.kind, payload: payload.encoded))
            }
        }
        let signLimit = "Ed25519 sign \(BenchContext.format(limits.signPerSecond))/s"
        BenchContext.report(
            "seal a report for 3 partners",
            value: Double(count) / sealSeconds,
            unit: "entries/s",
            limit: signLimit,
            target: nil,
            meets: nil
        )
        print("   plain payload \(plain[0].payload.count) bytes, sealed payload \(sealed[0].payload.count) bytes")

        var readerFolds: [String: Double] = [:]
        for (name, operations) in [("plain", plain), ("sealed", sealed)] {
            let directory = context.scratchDirectory("release-\(name)")
            let ingestDirectory = context.scratchDirectory("release-\(name)-ingest")
            let keysDirectory = context.scratchDirectory("release-\(name)-keys")
            defer {
                context.remove(directory)
                context.remove(ingestDirectory)
                context.remove(keysDirectory)
            }
            let store = try LogStore(directory: directory, roster: roster)
            var now: UInt64 = 1_800_000_000_000
            var entries: [Entry] = []
            let appendSeconds = try BenchContext.seconds {
                var start = 0
                while start < operations.count {
                    now += 1
                    let batch = Array(operations[start..<min(start + 100, operations.count)])
                    entries += try store.append(batch, signingKey: author, nowMilliseconds: now)
                    start += batch.count
                }
            }
            BenchContext.report(
                "append \(name), batches of 100",
                value: Double(count) / appendSeconds,
                unit: "entries/s",
                limit: signLimit,
                target: nil,
                meets: nil
            )
            let other = try LogStore(directory: ingestDirectory, roster: roster)
            let ingestSeconds = try BenchContext.seconds {
                _ = try other.ingest(entries, nowMilliseconds: now + 1)
            }
            BenchContext.report(
                "ingest \(name)",
                value: Double(count) / ingestSeconds,
                unit: "entries/s",
                limit: "Ed25519 verify \(BenchContext.format(limits.verifyPerSecond))/s",
                target: nil,
                meets: nil
            )
            var coalition: CoalitionState?
            let coalitionSeconds = BenchContext.seconds { coalition = Fold(roster: roster)(entries) }
            BenchContext.report(
                "fold \(name), coalition-wide",
                value: Double(count) / coalitionSeconds,
                unit: "entries/s",
                limit: "—",
                target: nil,
                meets: nil
            )
            // Cold: no kept key, every sealed entry unwrapped; the keys it opens are kept in a file, as a node does.
            let keysFile = keysDirectory + "/opened-content-keys.cache"
            let coldKeys = OpenedKeyFile(path: keysFile)
            let cold = SealedReader(partner: "NL", keys: [decryption["NL"]!], openedKeys: coldKeys.cache)
            var view: CoalitionState?
            let readerSeconds = BenchContext.seconds { view = Fold(roster: roster, reader: cold)(entries) }
            readerFolds["\(name) cold"] = Double(count) / readerSeconds
            BenchContext.report(
                "fold \(name), by NL (reads its audience)",
                value: Double(count) / readerSeconds,
                unit: "entries/s",
                limit: "—",
                target: nil,
                meets: nil
            )
            coldKeys.persist()
            // Warm: a new reader whose kept keys are read back from the file (the read is part of the time).
            var warmView: CoalitionState?
            var reused = 0
            let warmSeconds = BenchContext.seconds {
                let warmKeys = OpenedKeyFile(path: keysFile)
                let warm = SealedReader(partner: "NL", keys: [decryption["NL"]!], openedKeys: warmKeys.cache)
                warmView = Fold(roster: roster, reader: warm)(entries)
                reused = warmKeys.cache.reusedCount
            }
            readerFolds["\(name) warm"] = Double(count) / warmSeconds
            BenchContext.report(
                "fold \(name), by NL, content keys from disk",
                value: Double(count) / warmSeconds,
                unit: "entries/s",
                limit: "—",
                target: nil,
                meets: nil
            )
            print(
                "   \(name): coalition view \(coalition?.records.count ?? 0) records, "
                    + "NL's view \(view?.records.count ?? 0) (warm: \(warmView?.records.count ?? 0), "
                    + "same state: \(warmView == view), \(reused) kept keys used)"
            )
        }
        let rate = { (key: String) in BenchContext.format(readerFolds[key] ?? 0) }
        print(
            "   NL's fold side by side: plain \(rate("plain cold")) /s; sealed cold \(rate("sealed cold")) /s, "
                + "warm \(rate("sealed warm")) /s (entries/s)"
        )
        try ReleaseNodeBenchmarks.run(
            context,
            author: author,
            decryption: decryption,
            plain: plain,
            sealedForThree: sealed
        )
    }
}
