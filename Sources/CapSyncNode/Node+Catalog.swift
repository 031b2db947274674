public import CapSyncMerge
public import CapSyncWire

/// The coalition catalog (Protocol/fold.md, "The coalition catalog") as this node's state has it: the built-in
/// items plus the definitions and groups partners signed.
extension Node {
    public func coalitionCatalog(asOf: HLCTimestamp? = nil) throws(NodeError) -> CoalitionCatalog {
        CoalitionCatalog(state: try coalitionState(asOf: asOf))
    }
}

extension CoalitionCatalog {
    /// The merged items as a plain `Catalog`, for input checks that take one (the CSV import).
    public var asCatalog: Catalog {
        Catalog(items: items.map { Catalog.Item(code: $0.code, name: $0.name, unit: $0.unit) })
    }
}
