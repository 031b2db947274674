/// Item codes with display names and units (Protocol/catalog.json; a test checks both lists agree).
///
/// The built-in base of the coalition catalog (`CoalitionCatalog`). The fold never checks an entry's item code
/// against it, so an item missing here still merges; it only refuses definitions (kind 7) of these codes
/// (`builtInCode`), which makes this list part of fold version 2 (docs/design.md D7, D13).
public struct Catalog: Sendable, Hashable {
    public struct Item: Sendable, Hashable, Codable {
        public let code: String
        public let name: String
        /// The unit quantities of this item are counted in.
        public let unit: String

        public init(code: String, name: String, unit: String) {
            self.code = code
            self.name = name
            self.unit = unit
        }
    }

    /// Ordered by code.
    public let items: [Item]
    private let byCode: [String: Int]

    public init(items: [Item]) {
        self.items = items.sorted { $0.code.utf8.lexicographicallyPrecedes($1.code.utf8) }
        var byCode: [String: Int] = [:]
        for (index, item) in self.items.enumerated() where byCode[item.code] == nil { byCode[item.code] = index }
        self.byCode = byCode
    }

    public func item(_ code: String) -> Item? { byCode[code].map { items[$0] } }

    /// For input checks: the catalog item, or an error naming the known codes so the user can correct a typo.
    public func require(_ code: String) throws(MergeError) -> Item {
        try FieldRules.checkCode(code, field: "item")
        guard let item = item(code) else {
            throw MergeError(
                .invalidValue,
                "unknown item code '\(code)'; known codes: \(items.map(\.code).joined(separator: ", "))",
                context: "item"
            )
        }
        return item
    }

    /// The catalog shipped with this version (the list in Protocol/catalog.json).
    public static let standard = Catalog(items: [
        Item(code: "SHELL-155-HE", name: "155 mm high-explosive artillery shells", unit: "rounds"),
        Item(code: "SHELL-105-HE", name: "105 mm high-explosive artillery shells", unit: "rounds"),
        Item(code: "MORTAR-120-HE", name: "120 mm high-explosive mortar bombs", unit: "rounds"),
        Item(code: "BARREL-155", name: "155 mm gun barrels", unit: "barrels"),
        Item(code: "CASING-STEEL-155", name: "155 mm steel shell casings", unit: "units"),
        Item(code: "FUZE-PD", name: "point-detonating artillery fuzes", unit: "units"),
        Item(code: "CHARGE-MACS", name: "modular artillery charges", unit: "charges"),
        Item(code: "EXPLOSIVE-TNT", name: "TNT, cast-grade", unit: "kg"),
        Item(code: "NITROCELLULOSE", name: "nitrocellulose for propellant", unit: "kg"),
        Item(code: "BEARING-BALL", name: "ball bearings", unit: "units"),
        Item(code: "CHIP-MCU", name: "microcontrollers (MCU chips)", unit: "units"),
        Item(code: "PART-OBSOLETE", name: "obsolescent spare parts", unit: "units"),
        Item(code: "ROCKET-MOTOR-122", name: "122 mm rocket motors", unit: "units"),
    ])
}
