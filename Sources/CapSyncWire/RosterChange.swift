/// One change a roster version makes to the roster before it (Protocol/roster.md §6.2).
///
/// Changes only ever add keys and partners or lower last valid seqs: nothing a change does can make an entry
/// that was valid when signed invalid afterwards, except a cut-off the coalition chose (a retirement, a
/// revocation, a removal), and even those cannot be raised or lifted later.
public enum RosterChange: Sendable, Hashable {
    /// A new partner with its first signing key.
    case addPartner(partner: String, key: AuthorKey)
    /// A further key for an active partner (a rotation adds the new key, then retires the old one).
    case addKey(partner: String, key: AuthorKey)
    /// Entries of `key` after `lastValidSeq` are not valid: an orderly end of the key.
    case retireKey(key: AuthorKey, lastValidSeq: UInt64)
    /// As `retireKey`, and the key is marked compromised.
    case revokeKey(key: AuthorKey, lastValidSeq: UInt64)
    /// The partner leaves: each of its keys gets a last valid seq, and it no longer counts or approves.
    case removePartner(partner: String, cutoffs: [Cutoff])
    /// The fraction of a version's partners whose approval the next version needs, rounded up.
    case setThreshold(numerator: UInt64, denominator: UInt64)
    /// The partner's X25519 encryption key from this version on (Protocol/releasability.md §2); a later one
    /// replaces it (a rotation).
    case setEncryptionKey(partner: String, key: Bytes32)

    /// A key's last valid seq in a partner removal.
    public struct Cutoff: Sendable, Hashable {
        public var key: AuthorKey
        public var lastValidSeq: UInt64

        public init(key: AuthorKey, lastValidSeq: UInt64) {
            self.key = key
            self.lastValidSeq = lastValidSeq
        }
    }

    // MARK: Limits (Protocol/roster.md §6.2)

    public static let maxLastValidSeq: UInt64 = Entry.maxSeq
    public static let maxDenominator: UInt64 = 65_536
    public static let maxPartnerCodeBytes = 16

    var tag: UInt8 {
        switch self {
        case .addPartner: 1
        case .addKey: 2
        case .retireKey: 3
        case .revokeKey: 4
        case .removePartner: 5
        case .setThreshold: 6
        case .setEncryptionKey: 7
        }
    }

    // MARK: Encoding

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 52)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeUInt8(tag)
        switch self {
        case .addPartner(let partner, let key), .addKey(let partner, let key),
            .setEncryptionKey(let partner, let key):
            writer.writeString(partner)
            writer.writeBytes(key.bytes)
        case .retireKey(let key, let last), .revokeKey(let key, let last):
            writer.writeBytes(key.bytes)
            writer.writeVarint(last)
        case .removePartner(let partner, let cutoffs):
            writer.writeString(partner)
            writer.writeVarint(UInt64(cutoffs.count))
            for cutoff in cutoffs.sorted(by: { $0.key < $1.key }) {
                writer.writeBytes(cutoff.key.bytes)
                writer.writeVarint(cutoff.lastValidSeq)
            }
        case .setThreshold(let numerator, let denominator):
            writer.writeVarint(numerator)
            writer.writeVarint(denominator)
        }
    }

    /// Reads one change, checking every limit of §6.2 before anything is allocated.
    init(reading reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        let tag = try reader.readUInt8("change.tag")
        switch tag {
        case 1, 2:
            let partner = try RosterChange.readPartner(&reader, "change.partner")
            let key = AuthorKey(try reader.readBytes("change.key", count: 32))
            self = tag == 1 ? .addPartner(partner: partner, key: key) : .addKey(partner: partner, key: key)
        case 3, 4:
            let key = AuthorKey(try reader.readBytes("change.key", count: 32))
            let last = try reader.readVarint("change.lastValidSeq", max: RosterChange.maxLastValidSeq)
            self = tag == 3 ? .retireKey(key: key, lastValidSeq: last) : .revokeKey(key: key, lastValidSeq: last)
        case 5:
            let partner = try RosterChange.readPartner(&reader, "change.partner")
            let countOffset = reader.offset
            let count = try reader.readCount("change.keyCount", limit: Roster.maxMembers)
            guard count > 0 else {
                throw WireError(
                    .invalidValue,
                    "a removal lists at least one key",
                    offset: countOffset,
                    context: "roster version.change.keyCount"
                )
            }
            var cutoffs: [Cutoff] = []
            cutoffs.reserveCapacity(min(count, reader.remaining / 33))
            for _ in 0..<count {
                let keyOffset = reader.offset
                let key = AuthorKey(try reader.readBytes("change.cutoff.key", count: 32))
                let last = try reader.readVarint("change.cutoff.lastValidSeq", max: RosterChange.maxLastValidSeq)
                if let previous = cutoffs.last, !(previous.key < key) {
                    throw WireError(
                        .invalidValue,
                        "removal keys must be strictly ascending",
                        offset: keyOffset,
                        context: "roster version.change.cutoff.key"
                    )
                }
                cutoffs.append(Cutoff(key: key, lastValidSeq: last))
            }
            self = .removePartner(partner: partner, cutoffs: cutoffs)
        case 6:
            let numeratorOffset = reader.offset
            let numerator = try reader.readVarint("change.numerator", max: RosterChange.maxDenominator)
            let denominator = try reader.readVarint("change.denominator", max: RosterChange.maxDenominator)
            guard numerator >= 1, numerator <= denominator else {
                throw WireError(
                    .invalidValue,
                    "a threshold is a fraction n/d with 1 ≤ n ≤ d, not \(numerator)/\(denominator)",
                    offset: numeratorOffset,
                    context: "roster version.change.threshold"
                )
            }
            self = .setThreshold(numerator: numerator, denominator: denominator)
        case 7:
            let partner = try RosterChange.readPartner(&reader, "change.partner")
            self = .setEncryptionKey(partner: partner, key: Bytes32(try reader.readBytes("change.key", count: 32)))
        default:
            throw WireError(
                .invalidValue,
                "unknown change tag \(tag)",
                offset: start,
                context: "roster version.change.tag"
            )
        }
    }

    static func readPartner(_ reader: inout ByteReader, _ field: String) throws(WireError) -> String {
        let start = reader.offset
        let partner = try reader.readString(field, limit: maxPartnerCodeBytes)
        do { try Roster.validatePartnerCode(partner) } catch {
            throw WireError(.invalidValue, error.reason, offset: start, context: "roster version.\(field)")
        }
        return partner
    }

    /// For messages: what the change does, in a few words.
    public var summary: String {
        switch self {
        case .addPartner(let partner, let key): "add partner \(partner) with key \(key.short)"
        case .addKey(let partner, let key): "add key \(key.short) to \(partner)"
        case .retireKey(let key, let last): "retire key \(key.short) after seq \(last)"
        case .revokeKey(let key, let last): "revoke key \(key.short) after seq \(last)"
        case .removePartner(let partner, _): "remove partner \(partner)"
        case .setThreshold(let numerator, let denominator): "set the threshold to \(numerator)/\(denominator)"
        case .setEncryptionKey(let partner, let key): "set the encryption key of \(partner) to \(key.short)"
        }
    }
}
