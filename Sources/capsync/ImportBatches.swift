import CapSyncMerge
import CapSyncNode

/// An import file's reports that change the view, grouped by the audience each is released to
/// (Protocol/releasability.md §7): a row's `release_to` cell, else the `--release-to` flag, else the label of the
/// restricted report it replaces, else the whole coalition. A row stands already when this node's own view holds
/// the same report released to the same partners, so importing a file twice changes nothing.
struct ImportBatches {
    struct Batch {
        /// Partners to seal for (this partner added by the append), or nil for coalition-wide.
        var label: [String]?
        var reports: [CapacityReport]
    }

    /// Coalition-wide first, then each label in order.
    private(set) var batches: [Batch] = []
    var changedCount: Int { batches.reduce(0) { $0 + $1.reports.count } }
    var sealedCount: Int { batches.filter { $0.label != nil }.reduce(0) { $0 + $1.reports.count } }

    /// `releasePartners` resolves an audience against a standing label, as every appending command does.
    init(
        _ read: ReportImport.Result,
        flag: ReleaseAudience,
        on node: Node,
        releasePartners: (ReleaseAudience, [String]?) throws -> [String]?
    ) throws {
        let partner = node.config.partner
        let state = try node.viewState()
        var standing: [RecordKey: (report: CapacityReport, label: Set<String>?)] = [:]
        for record in state.records where record.partner == partner {
            guard let report = record.report else { continue }
            standing[RecordKey(report)] = (report, state.releaseLabel(of: record.setBy).map(Set.init))
        }
        var grouped: [[String]?: [CapacityReport]] = [:]
        var order: [[String]?] = []
        // Resolved (and warned or noted about) once per audience and inherited label, not once per row.
        var resolved: [Resolution: [String]?] = [:]
        for (report, cell) in zip(read.reports, read.audiences) {
            let audience = cell == .unspecified ? flag : cell
            let previous = standing[RecordKey(report)]
            let inherited = previous?.label.map { Array($0).sorted() }
            let resolution = Resolution(audience: audience, inherited: inherited)
            let label: [String]?
            if let known = resolved[resolution] {
                label = known
            } else {
                label = try releasePartners(audience, inherited)
                resolved[resolution] = label
            }
            let sealedFor = label.map { Set($0 + [partner]) }
            if let previous, previous.report == report, previous.label == sealedFor { continue }
            let key = label.map { Array(Set($0 + [partner])).sorted() }
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(report)
        }
        let sorted = order.sorted { ($0?.joined(separator: ",") ?? "") < ($1?.joined(separator: ",") ?? "") }
        batches = sorted.map { Batch(label: $0, reports: grouped[$0]!) }
    }

    private struct Resolution: Hashable {
        var audience: ReleaseAudience
        var inherited: [String]?
    }

    private struct RecordKey: Hashable {
        var item: String
        var site: String
        var period: Period

        init(_ report: CapacityReport) {
            item = report.item
            site = report.site
            period = report.period
        }
    }
}
