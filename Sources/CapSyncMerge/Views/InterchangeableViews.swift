import CapSyncWire

/// A total in which interchangeable items count together (Protocol/fold.md, "Interchangeable items"): `total.item`
/// is the group's code for a group, else the item's own code.
public struct InterchangeableTotal: Sendable, Hashable {
    public let total: FigureTotal
    /// Whether `total.item` is a group code.
    public let isGroup: Bool
    /// The item codes whose figures are in the total, ascending by their bytes.
    public let items: [String]
}

/// A candidate for a need when interchangeable items count together: the item the site would give.
public struct InterchangeableCandidate: Sendable, Hashable {
    public let item: String
    public let candidate: MatchCandidate
}

public struct InterchangeableMatch: Sendable, Hashable {
    public let shortfall: Shortfall
    /// The group the need's item counts in, if any.
    public let group: String?
    public let candidates: [InterchangeableCandidate]
}

extension CoalitionState {
    /// Totals as `totals(at:by:)`, with each grouped item's figures counted under its group's code
    /// (`interchangeable`: item → group, `CoalitionCatalog.interchangeable`). With `item`, only the figures of that
    /// item's group (or of that group code, or of the item alone when it has no group).
    public func totals(
        at view: ViewPeriod,
        by grouping: TotalsGrouping = .item,
        item: String? = nil,
        interchangeable: [String: String]
    ) -> [InterchangeableTotal] {
        let selected = item.map { interchangeable[$0] ?? $0 }
        var figures: [SiteFigure] = []
        var itemsByKey: [TextKey: Set<String>] = [:]
        for figure in siteFigures(at: view) {
            let key = interchangeable[figure.item] ?? figure.item
            if let selected, !FieldRules.sameBytes(key, selected) { continue }
            figures.append(figure.counted(as: key))
            itemsByKey[TextKey(a: key, b: "", c: ""), default: []].insert(figure.item)
        }
        let groups = Set(interchangeable.values)
        return CoalitionState.totals(of: figures, by: grouping).map { total in
            InterchangeableTotal(
                total: total,
                isGroup: groups.contains(total.item),
                items: (itemsByKey[TextKey(a: total.item, b: "", c: "")] ?? []).sorted { FieldRules.precedes($0, $1) }
            )
        }
    }

    /// Shortfall matches as `shortfallMatches(at:today:)`, where a need for an item can be filled from the stock or
    /// spare capacity of any item of its group. Candidates of one site and source for different items are separate,
    /// ranked as there, then by item.
    public func shortfallMatches(
        at view: ViewPeriod,
        today: Day,
        interchangeable: [String: String]
    ) -> [InterchangeableMatch] {
        var membersByGroup: [String: [String]] = [:]
        for (item, group) in interchangeable { membersByGroup[group, default: []].append(item) }
        var figuresByItem: [TextKey: [SiteFigure]] = [:]
        for figure in siteFigures(at: view) {
            figuresByItem[TextKey(a: figure.item, b: "", c: ""), default: []].append(figure)
        }
        return shortfalls().map { shortfall in
            let group = interchangeable[shortfall.item]
            guard shortfall.remaining > 0 else {
                return InterchangeableMatch(shortfall: shortfall, group: group, candidates: [])
            }
            let items = group.map { membersByGroup[$0] ?? [] } ?? [shortfall.item]
            var candidates: [InterchangeableCandidate] = []
            for item in items {
                for figure in figuresByItem[TextKey(a: item, b: "", c: "")] ?? [] {
                    for candidate in CoalitionState.candidates(from: figure, for: shortfall, today: today) {
                        candidates.append(InterchangeableCandidate(item: item, candidate: candidate))
                    }
                }
            }
            candidates.sort { x, y in
                let a = x.candidate
                let b = y.candidate
                if a.covers != b.covers { return a.covers > b.covers }
                if a.earliest != b.earliest { return a.earliest < b.earliest }
                if !FieldRules.sameBytes(a.partner, b.partner) { return FieldRules.precedes(a.partner, b.partner) }
                if !FieldRules.sameBytes(a.site, b.site) { return FieldRules.precedes(a.site, b.site) }
                if a.source != b.source { return a.source == .stock }
                return FieldRules.precedes(x.item, y.item)
            }
            return InterchangeableMatch(shortfall: shortfall, group: group, candidates: candidates)
        }
    }
}

extension SiteFigure {
    /// The same figure counted under another code (its group's).
    func counted(as code: String) -> SiteFigure {
        SiteFigure(copying: self, item: code)
    }

    private init(copying figure: SiteFigure, item: String) {
        partner = figure.partner
        self.item = item
        site = figure.site
        period = figure.period
        ageMonths = figure.ageMonths
        isStale = figure.isStale
        monthlyCapacity = figure.monthlyCapacity
        monthlyOutput = figure.monthlyOutput
        stockOnHand = figure.stockOnHand
        stockThreshold = figure.stockThreshold
        availableAboveThreshold = figure.availableAboveThreshold
        spareCapacity = figure.spareCapacity
        leadTimeDays = figure.leadTimeDays
        constraints = figure.constraints
        setBy = figure.setBy
    }
}
