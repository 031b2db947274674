import CapSyncCrypto
public import CapSyncWire

/// The catalog as coalition data (Protocol/fold.md, "The coalition catalog"): the built-in items, overlaid by
/// the item definitions (kind 7) and interchangeable groups (kind 8) partners sign. Per item code and per group
/// code the greatest stamp wins, so every node holding the same entries has the same catalog whatever order they
/// arrived in. Reference data for views and input checks: it is kept apart from the coalition state, so defining
/// an item changes no state digest (docs/design.md D7); `digest` compares catalogs.
public struct CoalitionCatalog: Sendable, Hashable {
    public struct Item: Sendable, Hashable, Codable {
        public let code: String
        public let name: String
        public let unit: String
        public let category: String
        public let nsn: String
        /// The definition entry that set it; nil for a built-in item nobody redefined.
        public let definedBy: Stamp?
    }

    public struct Group: Sendable, Hashable, Codable {
        public let code: String
        public let name: String
        public let members: [String]
        public let definedBy: Stamp
    }

    public static let kinds: Set<UInt64> = [ItemDefinition.kind, ItemGroup.kind]

    /// By code (UTF-8 bytes).
    public private(set) var items: [Item]
    /// Groups with at least one member, by code.
    public private(set) var groups: [Group]
    /// Definition entries whose payload did not decode, or whose author the roster does not admit.
    public private(set) var ignored: [EntryID]

    /// Merges `entries` (any kinds; only 7 and 8 are read) over `base`, admitting those `roster` allows.
    public init(entries: some Sequence<Entry>, roster: Roster, base: Catalog = .standard) {
        var definitions: [String: (ItemDefinition, Stamp)] = [:]
        var groupDefinitions: [String: (ItemGroup, Stamp)] = [:]
        var ignored: [EntryID] = []
        for entry in entries where Self.kinds.contains(entry.kind) {
            guard entry.version == Operation.entryVersion, roster.allows(entry.author, seq: entry.seq) else {
                ignored.append(entry.id)
                continue
            }
            let stamp = Stamp(entry)
            do throws(MergeError) {
                if entry.kind == ItemDefinition.kind {
                    let definition = try ItemDefinition(decoding: Array(entry.payload))
                    if let held = definitions[definition.code], !(held.1 < stamp) { continue }
                    definitions[definition.code] = (definition, stamp)
                } else {
                    let group = try ItemGroup(decoding: Array(entry.payload))
                    if let held = groupDefinitions[group.code], !(held.1 < stamp) { continue }
                    groupDefinitions[group.code] = (group, stamp)
                }
            } catch { ignored.append(entry.id) }
        }
        var byCode: [String: Item] = [:]
        for item in base.items {
            byCode[item.code] = Item(
                code: item.code,
                name: item.name,
                unit: item.unit,
                category: "",
                nsn: "",
                definedBy: nil
            )
        }
        for (code, (definition, stamp)) in definitions {
            byCode[code] = Item(
                code: code,
                name: definition.name,
                unit: definition.unit,
                category: definition.category,
                nsn: definition.nsn,
                definedBy: stamp
            )
        }
        items = byCode.values.sorted { FieldRules.precedes($0.code, $1.code) }
        groups = groupDefinitions.values.filter { !$0.0.members.isEmpty }
            .map { Group(code: $0.0.code, name: $0.0.name, members: $0.0.members, definedBy: $0.1) }
            .sorted { FieldRules.precedes($0.code, $1.code) }
        self.ignored = ignored.sorted()
    }

    public func item(_ code: String) -> Item? { items.first { FieldRules.sameBytes($0.code, code) } }

    /// The group an item counts in with `--interchangeable`: the first group (by code) listing it.
    public func group(of item: String) -> Group? {
        groups.first { group in group.members.contains { FieldRules.sameBytes($0, item) } }
    }

    /// Item code → the code of its group, for every grouped item (what the views take to count groups together).
    public var interchangeable: [String: String] {
        var map: [String: String] = [:]
        for group in groups.reversed() { for member in group.members { map[member] = group.code } }
        return map
    }

    /// For input checks: the item, or an error naming the nearest known codes.
    public func require(_ code: String) throws(MergeError) -> Item {
        try FieldRules.checkCode(code, field: "item")
        guard let item = item(code) else {
            throw MergeError(
                .invalidValue,
                "unknown item code '\(code)'; known codes: \(items.map(\.code).joined(separator: ", ")) (a partner adds one with capsync catalog add)",
                context: "item"
            )
        }
        return item
    }

    /// SHA-256 over the merged items and groups in order, so two nodes can compare their catalogs.
    public var digest: Bytes32 {
        var writer = ByteWriter(capacity: 4096)
        writer.writeBytes(Array("CAPSYNC-CATALOG-V1".utf8) + [0])
        writer.writeVarint(UInt64(items.count))
        for item in items {
            for text in [item.code, item.name, item.unit, item.category, item.nsn] { writer.writeString(text) }
        }
        writer.writeVarint(UInt64(groups.count))
        for group in groups {
            writer.writeString(group.code)
            writer.writeString(group.name)
            writer.writeVarint(UInt64(group.members.count))
            for member in group.members { writer.writeString(member) }
        }
        return Bytes32(SHA256.hash(writer.bytes))
    }
}
