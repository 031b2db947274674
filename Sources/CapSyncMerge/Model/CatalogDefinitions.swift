import CapSyncWire

/// A partner defines (or redefines) a catalog item (entry kind 7, Protocol/payloads.md): coalition reference
/// data, merged by the coalition catalog (`CoalitionCatalog`), never part of the state.
public struct ItemDefinition: Sendable, Hashable {
    public static let kind: UInt64 = 7
    public static let maxNSNLength = 16

    public let code: String
    public let name: String
    public let unit: String
    public let category: String
    /// The NATO stock number when known (digits and dashes), else empty.
    public let nsn: String

    public init(code: String, name: String, unit: String, category: String, nsn: String = "") throws(MergeError) {
        try FieldRules.checkCode(code, field: "item definition.code")
        try FieldRules.checkSite(name, field: "item definition.name")
        try FieldRules.checkSite(unit, field: "item definition.unit")
        try FieldRules.checkSite(category, field: "item definition.category")
        try Self.checkNSN(nsn)
        self.code = code
        self.name = name
        self.unit = unit
        self.category = category
        self.nsn = nsn
    }

    static func checkNSN(_ nsn: String) throws(MergeError) {
        guard nsn.utf8.count <= maxNSNLength,
            nsn.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") })
        else {
            throw MergeError(
                .invalidValue,
                "a NATO stock number is at most \(maxNSNLength) digits and dashes (e.g. 1320-01-234-5678), or empty",
                context: "item definition.nsn"
            )
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 96)
        for text in [code, name, unit, category, nsn] { writer.writeString(text) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "item definition")
        code = try reader.readCode("code")
        name = try reader.readSite("name")
        unit = try reader.readSite("unit")
        category = try reader.readSite("category")
        nsn = try reader.readText("nsn", limit: Self.maxNSNLength)
        try Self.checkNSN(nsn)
        try reader.finish("item definition")
    }
}

/// A partner names a group of interchangeable items (entry kind 8), e.g. 155 mm HE variants that fire from the
/// same guns: views can count the group together. No members dissolves the group.
public struct ItemGroup: Sendable, Hashable {
    public static let kind: UInt64 = 8
    public static let maxMembers = 64

    public let code: String
    public let name: String
    /// Item codes, strictly ascending by their bytes (one canonical form).
    public let members: [String]

    public init(code: String, name: String, members: some Sequence<String>) throws(MergeError) {
        try FieldRules.checkCode(code, field: "item group.code")
        try FieldRules.checkSite(name, field: "item group.name")
        let sorted = Array(Set(members)).sorted { FieldRules.precedes($0, $1) }
        guard sorted.count <= Self.maxMembers else {
            throw MergeError(.invalidValue, "a group has at most \(Self.maxMembers) items", context: "item group")
        }
        for member in sorted { try FieldRules.checkCode(member, field: "item group.member") }
        self.code = code
        self.name = name
        self.members = sorted
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32 + members.count * 20)
        writer.writeString(code)
        writer.writeString(name)
        writer.writeVarint(UInt64(members.count))
        for member in members { writer.writeString(member) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "item group")
        code = try reader.readCode("code")
        name = try reader.readSite("name")
        let count: Int
        do { count = try reader.readCount("members.count", limit: Self.maxMembers) } catch { throw MergeError(error) }
        var members: [String] = []
        for _ in 0..<count {
            let start = reader.offset
            let member = try reader.readCode("member")
            if let last = members.last, !FieldRules.precedes(last, member) {
                throw MergeError(
                    .malformedPayload,
                    "members must be strictly ascending",
                    context: "item group.member",
                    offset: start
                )
            }
            members.append(member)
        }
        self.members = members
        try reader.finish("item group")
    }
}
