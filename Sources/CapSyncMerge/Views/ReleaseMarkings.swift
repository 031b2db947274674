import CapSyncWire

/// Markings of values that come from sealed entries (Protocol/releasability.md §5): a node shows, beside each
/// figure and each total it is part of, which partners it was released to, so that nobody forwards a restricted
/// figure as a coalition-wide one.
extension CoalitionState {
    /// The label of the sealed entry that set a value, or nil for a coalition-wide value.
    public func releaseLabel(of stamp: Stamp) -> [String]? { releasedTo[stamp.entryID] }

    /// The label of the first of `stamps` (values an update follows, nearest first; nil where there is none)
    /// that was set by a sealed entry, or nil when none was (Protocol/releasability.md §7).
    public func releaseLabel(ofFirst stamps: Stamp?...) -> [String]? {
        for stamp in stamps { if let stamp, let label = releasedTo[stamp.entryID] { return label } }
        return nil
    }

    /// The distinct labels among `stamps`, sorted: what a total of those values must be marked with.
    public func releaseLabels(of stamps: some Sequence<Stamp>) -> [[String]] {
        var labels = Set<[String]>()
        for stamp in stamps { if let label = releasedTo[stamp.entryID] { labels.insert(label) } }
        return labels.sorted { $0.joined(separator: ",") < $1.joined(separator: ",") }
    }

    /// "includes figures released to DE, NL only" (one clause per label), or nil when none is restricted.
    public static func releaseNote(_ labels: [[String]]) -> String? {
        guard !labels.isEmpty else { return nil }
        return "includes figures released to "
            + labels.map { $0.joined(separator: ", ") + " only" }.joined(separator: "; ")
    }

    /// Every label among the values of this state (the audiences a node can compare digests with).
    public var releaseAudiences: [[String]] {
        Set(releasedTo.values).sorted { $0.joined(separator: ",") < $1.joined(separator: ",") }
    }
}
