import ArgumentParser
import CapSyncMerge
import CapSyncNode

typealias Audience = ReleaseAudience

/// `--release-to NL,US`: the entry is sealed so that only those partners (and this one) can read it, while
/// every node still stores, relays and audits it (Protocol/releasability.md).
struct ReleaseOptions: ParsableArguments {
    @Option(
        name: .customLong("release-to"),
        help: ArgumentHelp(
            "Share with these partners only (comma-separated codes, e.g. NL,US; this partner is always included), "
                + "or 'coalition' for every partner. Without it, an entry that updates or answers a restricted "
                + "value keeps that value's partners; any other entry goes to the whole coalition.",
            valueName: "partners"
        )
    )
    var releaseTo: String?

    func validate() throws { _ = try audience() }

    func audience() throws -> Audience {
        guard let releaseTo else { return .unspecified }
        let audience: Audience
        do { audience = try Audience.parse(releaseTo) } catch {
            throw ValidationError("--release-to: \(error.reason)")
        }
        guard audience != .unspecified else {
            throw ValidationError("--release-to: give partner codes, e.g. NL,US, or 'coalition'")
        }
        return audience
    }
}

/// `--round-to N` beside `--release-to` on capacity reports: an aggregate release (Protocol/releasability.md §6).
struct RoundingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "With --release-to: also give the coalition these figures rounded to the nearest multiple of N; the "
                + "named partners see the exact ones.",
            valueName: "N"
        )
    )
    var roundTo: UInt64?

    func validate() throws {
        if let roundTo {
            guard roundTo >= 2 else { throw ValidationError("--round-to: give a step of 2 or more, not \(roundTo)") }
        }
    }

    /// Refuses --round-to unless the entries are released to named partners.
    func check(with audience: Audience) throws {
        guard roundTo != nil else { return }
        if case .partners = audience { return }
        throw ValidationError("--round-to goes with --release-to PARTNERS (the exact figures it seals)")
    }

    /// `report` with capacity, output, stock and threshold rounded to `step` (lead time and constraints as they are).
    static func rounded(_ report: CapacityReport, to step: UInt64) throws -> CapacityReport {
        try checked("report") { () throws(MergeError) in
            try CapacityReport(
                partner: report.partner,
                item: report.item,
                site: report.site,
                period: report.period,
                monthlyCapacity: round(report.monthlyCapacity, to: step),
                monthlyOutput: round(report.monthlyOutput, to: step),
                stockOnHand: round(report.stockOnHand, to: step),
                stockThreshold: round(report.stockThreshold, to: step),
                leadTimeDays: report.leadTimeDays,
                constraints: report.constraints
            )
        }
    }

    /// `value` to the nearest multiple of `step`, halves rounded up (Protocol/releasability.md §6).
    static func round(_ value: UInt64, to step: UInt64) -> UInt64 {
        let down = value / step * step
        return value - down >= (step + 1) / 2 ? down + step : down
    }
}

extension FormatOptions {
    /// After a planning or trend view's tables for people: the marking of figures released to named partners that
    /// its rows may show (Protocol/releasability.md §5). `capsync state` marks each figure in its `released` table.
    func printReleaseNote(_ state: CoalitionState) {
        guard format == .table, let note = CoalitionState.releaseNote(state.releaseAudiences) else { return }
        print("\nThis node's view \(note); these rows may show them: do not pass them on.")
    }
}
