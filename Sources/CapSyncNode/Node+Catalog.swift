public import CapSyncMerge
internal import CapSyncWire

/// The coalition catalog (Protocol/fold.md, "The coalition catalog") from the item definitions and groups in
/// this node's log, judged by the roster in force.
extension Node {
    public func coalitionCatalog() throws(NodeError) -> CoalitionCatalog {
        let entries: [CapSyncWire.Entry]
        do { entries = try store.entriesOfIndexedKinds() } catch {
            throw NodeError(.store, error.description, context: store.directory)
        }
        return CoalitionCatalog(entries: entries, roster: roster)
    }
}

extension CoalitionCatalog {
    /// The merged items as a plain `Catalog`, for input checks that take one (the CSV import).
    public var asCatalog: Catalog {
        Catalog(items: items.map { Catalog.Item(code: $0.code, name: $0.name, unit: $0.unit) })
    }
}
