import CapSyncWire

/// A partner defines (or, as the code's owner, restates) a catalog item (entry kind 7, Protocol/payloads.md):
/// coalition data beside the built-in catalog. The first partner to define a code owns it; only the owner
/// restates it and the unit stays the first definition's (Protocol/fold.md, "The coalition catalog").
public struct ItemDefinition: Sendable, Hashable {
    /// The NATO stock number's one written form: 4-2-3-4 digits, e.g. `1320-01-234-5678`.
    public static let nsnLength = 16

    public let partner: String
    public let code: String
    public let name: String
    public let unit: String
    public let category: String
    /// The NATO stock number when known, else empty.
    public let nsn: String

    public init(
        partner: String,
        code: String,
        name: String,
        unit: String,
        category: String,
        nsn: String = ""
    ) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "item definition.partner")
        try FieldRules.checkCode(code, field: "item definition.code")
        try FieldRules.checkSite(name, field: "item definition.name")
        try FieldRules.checkSite(unit, field: "item definition.unit")
        try FieldRules.checkSite(category, field: "item definition.category")
        try Self.checkNSN(nsn)
        self.partner = partner
        self.code = code
        self.name = name
        self.unit = unit
        self.category = category
        self.nsn = nsn
    }

    /// Empty, or exactly `NNNN-NN-NNN-NNNN` (digits with dashes at 5, 8 and 12): one written form per number.
    static func checkNSN(_ nsn: String) throws(MergeError) {
        if nsn.isEmpty { return }
        let bytes = Array(nsn.utf8)
        let dashes: Set<Int> = [4, 7, 11]
        let valid =
            bytes.count == nsnLength
            && bytes.indices.allSatisfy {
                dashes.contains($0) ? bytes[$0] == UInt8(ascii: "-") : FieldRules.isDigit(bytes[$0])
            }
        guard valid else {
            throw MergeError(
                .invalidValue,
                "a NATO stock number is written NNNN-NN-NNN-NNNN (e.g. 1320-01-234-5678), or left empty",
                context: "item definition.nsn"
            )
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 128)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        for text in [partner, code, name, unit, category, nsn] { writer.writeString(text) }
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "item definition")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        code = try reader.readCode("code")
        name = try reader.readSite("name")
        unit = try reader.readSite("unit")
        category = try reader.readSite("category")
        nsn = try reader.readText("nsn", limit: Self.nsnLength)
        try Self.checkNSN(nsn)
        try reader.finish("item definition")
    }
}

/// A partner names a group of interchangeable items (entry kind 8), e.g. 155 mm HE variants that fire from the
/// same guns, so views can count the group together (`--interchangeable`). The group's owner (its first
/// definer) restates the whole membership; no members dissolves the group.
public struct ItemGroup: Sendable, Hashable {
    public static let maxMembers = 64

    public let partner: String
    public let code: String
    public let name: String
    /// Item codes, strictly ascending by their bytes (one canonical form).
    public let members: [String]

    public init(partner: String, code: String, name: String, members: some Sequence<String>) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "item group.partner")
        try FieldRules.checkCode(code, field: "item group.code")
        try FieldRules.checkSite(name, field: "item group.name")
        var sorted: [String] = []
        for member in members.sorted(by: { FieldRules.precedes($0, $1) }) {
            try FieldRules.checkCode(member, field: "item group.member")
            if let last = sorted.last, FieldRules.sameBytes(last, member) { continue }
            sorted.append(member)
        }
        guard sorted.count <= Self.maxMembers else {
            throw MergeError(.invalidValue, "a group has at most \(Self.maxMembers) items", context: "item group")
        }
        self.partner = partner
        self.code = code
        self.name = name
        self.members = sorted
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 48 + members.count * 20)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(code)
        writer.writeString(name)
        writer.writeVarint(UInt64(members.count))
        for member in members { writer.writeString(member) }
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "item group")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        code = try reader.readCode("code")
        name = try reader.readSite("name")
        let count: Int
        do { count = try reader.readCount("members.count", limit: Self.maxMembers) } catch { throw MergeError(error) }
        var members: [String] = []
        members.reserveCapacity(count)
        for _ in 0..<count {
            let start = reader.offset
            let member = try reader.readCode("member")
            if let last = members.last, !FieldRules.precedes(last, member) {
                throw MergeError(
                    .malformedPayload,
                    "members must be strictly ascending by their bytes, without repeats",
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
