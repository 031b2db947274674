public import CapSyncWire

/// The fold rules' version. It is an input of the fold and part of the state digest, so nodes running
/// different rules see different digests instead of silently different views.
public enum FoldVersion: UInt32, Sendable, Hashable, Codable, CaseIterable {
    /// Judges entries by the roster chain (removed partners leave current views, governance kinds are known)
    /// and defines the entry-set digest over the entries the fold admits.
    case v2 = 2

    public static let current = FoldVersion.v2
}

/// Everything besides the entries that a fold depends on. Two partial folds combine only if their `Fold`s
/// are equal.
public struct Fold: Sendable, Hashable {
    public var roster: Roster
    public var version: FoldVersion
    /// Lowest proven fork seq per author (from the store's fork proofs): that author's entries from this seq on
    /// are excluded. Forks the fold sees itself (two entries at one seq) are added to these.
    public var forks: [AuthorKey: UInt64]
    /// The folding node's clock, for flagging far-future entries; nil flags nothing. Never changes the state.
    public var nowMilliseconds: UInt64?
    /// How far ahead of `nowMilliseconds` a timestamp may be before it is flagged (the clock's own limit).
    public var maxForwardDriftMilliseconds: UInt64
    /// Fold only entries with a timestamp at or before this: the view as it was then.
    public var asOf: HLCTimestamp?
    /// Partners removed from the roster in force for this view (Protocol/roster.md §7): their entries are
    /// ignored (`partnerRemoved`), so their reports, needs, pledges and pool memberships leave the view.
    public var removedPartners: Set<String>
    /// The node whose views this fold is for, to open sealed entries released to it (Protocol/releasability.md
    /// §5); nil for the coalition-wide state, which applies no sealed entry.
    public var reader: SealedReader?

    public init(
        roster: Roster,
        version: FoldVersion = .current,
        forks: [AuthorKey: UInt64] = [:],
        nowMilliseconds: UInt64? = nil,
        maxForwardDriftMilliseconds: UInt64 = HybridLogicalClock().maxForwardDriftMilliseconds,
        asOf: HLCTimestamp? = nil,
        removedPartners: Set<String> = [],
        reader: SealedReader? = nil
    ) {
        self.removedPartners = removedPartners
        self.reader = reader
        self.roster = roster
        self.version = version
        self.forks = forks
        self.nowMilliseconds = nowMilliseconds
        self.maxForwardDriftMilliseconds = maxForwardDriftMilliseconds
        self.asOf = asOf
    }

    /// Folds a whole entry set in one call.
    public func callAsFunction(_ entries: some Sequence<Entry>) -> CoalitionState {
        var state = FoldState(self)
        state.reserveCapacity(entries: entries.underestimatedCount)
        for entry in entries { state.add(entry) }
        return state.finish()
    }
}

/// Folds entries into the coalition state (docs/design.md D7, Protocol/fold.md). The result depends only on the set of
/// entries (order and duplicates do not matter), the roster, the fold version and the known forks; the clock
/// only adds far-future flags, and `asOf` selects the entries with timestamps up to then.
public func fold(
    entries: some Sequence<Entry>,
    roster: Roster,
    forks: [AuthorKey: UInt64] = [:],
    foldVersion: FoldVersion = .current,
    nowMilliseconds: UInt64?,
    asOf: HLCTimestamp? = nil,
    removedPartners: Set<String> = []
) -> CoalitionState {
    Fold(
        roster: roster,
        version: foldVersion,
        forks: forks,
        nowMilliseconds: nowMilliseconds,
        asOf: asOf,
        removedPartners: removedPartners
    )(entries)
}
