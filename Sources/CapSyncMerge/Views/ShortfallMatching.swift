import CapSyncWire

/// A site that could help fill a need, judged from its reported figures only: a suggestion, not a commitment.
public struct MatchCandidate: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Hashable, Codable {
        /// Stock above the site's threshold, there now.
        case stock
        /// Capacity not used by output, deliverable after the site's lead time.
        case spareCapacity = "spare_capacity"
    }

    public let partner: String
    public let site: String
    public let source: Source
    /// What the site reports it could give: stock above threshold, or spare capacity per month.
    public let amount: UInt64
    /// `min(amount, remaining)`: how much of the need this candidate alone could cover.
    public let covers: UInt64
    /// The earliest day it could deliver: the match day (stock) or the match day plus the lead time.
    public let earliest: Day
    public let leadTimeDays: UInt64
    /// The figures behind the suggestion and how old they are.
    public let period: Period
    public let ageMonths: Int
    public let isStale: Bool
    public let stockOnHand: UInt64
    public let stockThreshold: UInt64
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    /// What this partner has already pledged towards the need.
    public let alreadyPledged: UInt64
}

/// An open need and the candidates that could fill what remains of it, best first.
public struct ShortfallMatch: Sendable, Hashable, Codable {
    public let shortfall: Shortfall
    public let candidates: [MatchCandidate]
}

extension CoalitionState {
    /// For every open need (as `shortfalls()` orders them), candidates from the view's site figures of the need's
    /// item, other partners than the owner: a site with stock above its threshold (deliverable on `today`), and a
    /// site with spare capacity whose lead time lets it deliver by the due date. None while the due date has
    /// passed or the need is covered. Ranked by `covers` (most first), then `earliest`, partner, site, source
    /// (stock first).
    public func shortfallMatches(at view: ViewPeriod, today: Day) -> [ShortfallMatch] {
        var figuresByItem: [TextKey: [SiteFigure]] = [:]
        for figure in siteFigures(at: view) {
            figuresByItem[TextKey(a: figure.item, b: "", c: ""), default: []].append(figure)
        }
        return shortfalls().map { shortfall in
            guard shortfall.remaining > 0 else { return ShortfallMatch(shortfall: shortfall, candidates: []) }
            var candidates: [MatchCandidate] = []
            for figure in figuresByItem[TextKey(a: shortfall.item, b: "", c: "")] ?? [] {
                candidates += CoalitionState.candidates(from: figure, for: shortfall, today: today)
            }
            candidates.sort { a, b in
                if a.covers != b.covers { return a.covers > b.covers }
                if a.earliest != b.earliest { return a.earliest < b.earliest }
                if !FieldRules.sameBytes(a.partner, b.partner) { return FieldRules.precedes(a.partner, b.partner) }
                if !FieldRules.sameBytes(a.site, b.site) { return FieldRules.precedes(a.site, b.site) }
                return a.source == .stock && b.source == .spareCapacity
            }
            return ShortfallMatch(shortfall: shortfall, candidates: candidates)
        }
    }

    /// What one site figure offers towards a need: stock above threshold deliverable today, spare capacity
    /// deliverable after the lead time, each only by the due date; nothing from the need's own partner.
    static func candidates(from figure: SiteFigure, for shortfall: Shortfall, today: Day) -> [MatchCandidate] {
        guard !FieldRules.sameBytes(figure.partner, shortfall.owner) else { return [] }
        let pledged = shortfall.pledges.first { FieldRules.sameBytes($0.partner, figure.partner) }?.quantity ?? 0
        func candidate(_ source: MatchCandidate.Source, _ amount: UInt64, _ earliest: Day) -> MatchCandidate {
            MatchCandidate(
                partner: figure.partner,
                site: figure.site,
                source: source,
                amount: amount,
                covers: min(amount, shortfall.remaining),
                earliest: earliest,
                leadTimeDays: figure.leadTimeDays,
                period: figure.period,
                ageMonths: figure.ageMonths,
                isStale: figure.isStale,
                stockOnHand: figure.stockOnHand,
                stockThreshold: figure.stockThreshold,
                monthlyCapacity: figure.monthlyCapacity,
                monthlyOutput: figure.monthlyOutput,
                alreadyPledged: pledged
            )
        }
        var candidates: [MatchCandidate] = []
        if figure.availableAboveThreshold > 0, today <= shortfall.due {
            candidates.append(candidate(.stock, figure.availableAboveThreshold, today))
        }
        let ready = today.adding(days: Int(figure.leadTimeDays))
        if figure.spareCapacity > 0, ready <= shortfall.due {
            candidates.append(candidate(.spareCapacity, figure.spareCapacity, ready))
        }
        return candidates
    }
}
