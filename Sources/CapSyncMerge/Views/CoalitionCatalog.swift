import CapSyncWire

/// The catalog as coalition data (Protocol/fold.md, "The coalition catalog"): the built-in items, plus the items
/// partners defined (kind 7) and the groups of interchangeable items they named (kind 8), as the fold merged them
/// into the state. Built-in codes cannot be redefined, so the built-in base reads the same on every node.
public struct CoalitionCatalog: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public let code: String
        public let name: String
        public let unit: String
        public let category: String
        public let nsn: String
        /// The partner that defined it; nil for a built-in item.
        public let definedBy: String?
        /// The definition entry standing for it; nil for a built-in item.
        public let setBy: Stamp?
    }

    public struct Group: Sendable, Hashable {
        public let code: String
        public let name: String
        /// Item codes, ascending by their bytes.
        public let members: [String]
        public let definedBy: String
        /// The entry that founded the group: of two groups listing one item, the one founded first counts it.
        public let since: Stamp
        public let setBy: Stamp
    }

    /// Built-in and defined items, by code (UTF-8 bytes).
    public let items: [Item]
    /// Groups with at least one member, by code (dissolved groups are left out).
    public let groups: [Group]

    public init(state: CoalitionState, base: Catalog = .standard) {
        var items = base.items.map {
            Item(code: $0.code, name: $0.name, unit: $0.unit, category: "", nsn: "", definedBy: nil, setBy: nil)
        }
        for record in state.itemDefinitions {
            let definition = record.value
            items.append(
                Item(
                    code: definition.code,
                    name: definition.name,
                    unit: definition.unit,
                    category: definition.category,
                    nsn: definition.nsn,
                    definedBy: definition.partner,
                    setBy: record.setBy
                )
            )
        }
        self.items = items.sorted { FieldRules.precedes($0.code, $1.code) }
        groups = state.itemGroups.filter { !$0.group.members.isEmpty }.map {
            Group(
                code: $0.group.code,
                name: $0.group.name,
                members: $0.group.members,
                definedBy: $0.group.partner,
                since: $0.since,
                setBy: $0.setBy
            )
        }
    }

    public func item(_ code: String) -> Item? { items.first { FieldRules.sameBytes($0.code, code) } }

    public func group(_ code: String) -> Group? { groups.first { FieldRules.sameBytes($0.code, code) } }

    /// Item code → the code of the group it counts in with `--interchangeable`: of the groups listing the item, the
    /// one founded first (smallest founding stamp), so a later group cannot take an item from an earlier one.
    public var interchangeable: [String: String] {
        var map: [String: String] = [:]
        for group in groups.sorted(by: { $0.since < $1.since }) {
            for member in group.members where map[member] == nil { map[member] = group.code }
        }
        return map
    }

    /// The items a group lists that count in an earlier group instead (shown by `capsync catalog`).
    public func shadowed(in group: Group) -> [(item: String, countedIn: String)] {
        let map = interchangeable
        return group.members.compactMap { member in
            guard let other = map[member], !FieldRules.sameBytes(other, group.code) else { return nil }
            return (member, other)
        }
    }
}
