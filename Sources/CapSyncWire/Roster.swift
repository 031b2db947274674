internal import CapSyncCrypto

/// The coalition roster: partner code → signing keys, each with an optional last valid seq (docs/design.md D4).
///
/// Every partner holds the same roster, exchanged out of band. Its hash (over a canonical binary encoding,
/// Protocol/roster.md) is what nodes compare in HELLO; a mismatch is warned about, never merged over.
public struct Roster: Sendable, Hashable {
    public struct Member: Sendable, Hashable, Comparable {
        public var partner: String
        public var key: AuthorKey
        /// Entries of this key with a higher seq are not valid (the key was retired or compromised).
        public var lastValidSeq: UInt64?

        public init(partner: String, key: AuthorKey, lastValidSeq: UInt64? = nil) {
            self.partner = partner
            self.key = key
            self.lastValidSeq = lastValidSeq
        }

        public static func < (a: Member, b: Member) -> Bool {
            a.partner != b.partner
                ? Array(a.partner.utf8).lexicographicallyPrecedes(Array(b.partner.utf8)) : a.key < b.key
        }
    }

    /// Increased by whoever edits the roster, so partners can tell versions apart at a glance.
    public var serial: UInt64
    /// Sorted by (partner, key); a key appears once.
    public private(set) var members: [Member]
    private var byKey: [AuthorKey: Int]

    public static let maxMembers = 4096
    public static let hashDomain: [UInt8] = Array("CAPSYNC-ROSTER-V1".utf8) + [0]
    public static let fileHeader = "capsync-roster v1"

    public init(serial: UInt64 = 1, members: [Member] = []) throws(WireError) {
        // The same checks, in the same order, as `add`, but sorted and indexed once: adding 4,096 keys one by one
        // would sort 4,096 times.
        var partnerOfKey: [AuthorKey: String] = [:]
        for member in members {
            try Roster.validatePartnerCode(member.partner)
            if let existing = partnerOfKey[member.key] {
                throw WireError(.invalidValue, "key \(member.key.short) is already in the roster for \(existing)")
            }
            guard partnerOfKey.count < Roster.maxMembers else {
                throw WireError(.overLimit, "a roster holds at most \(Roster.maxMembers) keys")
            }
            partnerOfKey[member.key] = member.partner
        }
        self.serial = serial
        self.members = members.sorted()
        self.byKey = [:]
        reindex()
    }

    public func member(for key: AuthorKey) -> Member? { byKey[key].map { members[$0] } }
    public func partner(of key: AuthorKey) -> String? { member(for: key)?.partner }
    public func contains(_ key: AuthorKey) -> Bool { byKey[key] != nil }
    public func keys(of partner: String) -> [AuthorKey] { members.filter { $0.partner == partner }.map(\.key) }
    public var partners: [String] {
        Array(Set(members.map(\.partner))).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
    public var authorKeys: [AuthorKey] { members.map(\.key) }

    /// True when `seq` of `key` is within the key's validity (roster member, not past its last valid seq).
    public func allows(_ key: AuthorKey, seq: UInt64) -> Bool {
        guard let member = member(for: key) else { return false }
        return member.lastValidSeq.map { seq <= $0 } ?? true
    }

    public mutating func add(_ member: Member) throws(WireError) {
        try Roster.validatePartnerCode(member.partner)
        if let existing = self.member(for: member.key) {
            throw WireError(.invalidValue, "key \(member.key.short) is already in the roster for \(existing.partner)")
        }
        guard members.count < Roster.maxMembers else {
            throw WireError(.overLimit, "a roster holds at most \(Roster.maxMembers) keys")
        }
        members.append(member)
        members.sort()
        reindex()
    }

    /// Removes a key; returns whether it was there.
    @discardableResult
    public mutating func remove(_ key: AuthorKey) -> Bool {
        guard let index = byKey[key] else { return false }
        members.remove(at: index)
        reindex()
        return true
    }

    public mutating func setLastValidSeq(_ seq: UInt64?, for key: AuthorKey) throws(WireError) {
        guard let index = byKey[key] else { throw WireError(.invalidValue, "key \(key.short) is not in the roster") }
        members[index].lastValidSeq = seq
    }

    private mutating func reindex() {
        byKey = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
    }

    /// Partner codes: 2–16 characters, an upper-case letter then upper-case letters, digits or '-'
    /// (ISO 3166 codes such as NO, NL, US, or e.g. NATO-SPO).
    public static func validatePartnerCode(_ code: String) throws(WireError) {
        let utf8 = Array(code.utf8)
        let ok =
            (2...16).contains(utf8.count) && (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(utf8[0])
            && utf8.allSatisfy {
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "-")
            }
        guard ok else {
            throw WireError(
                .invalidValue,
                "partner code '\(code)' must be 2–16 characters: A–Z first, then A–Z, 0–9 or '-'"
            )
        }
    }

    // MARK: Canonical encoding and hash

    /// The canonical binary encoding the hash is taken over (Protocol/roster.md).
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter(capacity: 16 + members.count * 48)
        writer.writeBytes(Roster.hashDomain)
        writer.writeVarint(serial)
        writer.writeVarint(UInt64(members.count))
        for member in members {
            writer.writeString(member.partner)
            writer.writeBytes(member.key.bytes)
            if let last = member.lastValidSeq {
                writer.writeUInt8(1)
                writer.writeVarint(last)
            } else {
                writer.writeUInt8(0)
            }
        }
        return writer.bytes
    }

    /// SHA-256 of the canonical encoding.
    public var hash: Bytes32 { Bytes32(SHA256.hash(canonicalBytes)) }

    // MARK: Text file

    /// The roster file: a header line, a serial line, one line per key, sorted. Comments (`#`) and blank lines
    /// are allowed when reading and do not change the hash.
    public var fileText: String {
        var lines = [Roster.fileHeader, "serial \(serial)"]
        for member in members {
            var line = "key \(member.partner) \(Ed25519Base64.encode(member.key.bytes))"
            if let last = member.lastValidSeq { line += " last-seq \(last)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a roster file; errors name the line and what is wrong with it.
    public init(fileText: String) throws(WireError) {
        var serial: UInt64?
        var members: [Member] = []
        var sawHeader = false
        // "\r\n" is a single Character in Swift, so CRLF files need it named as a line end of its own.
        let lines = fileText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.isEmpty { continue }
            func fail(_ reason: String) -> WireError {
                WireError(.parse, reason, context: "roster line \(lineNumber)")
            }
            if !sawHeader {
                guard words.joined(separator: " ") == Roster.fileHeader else {
                    throw fail("expected the header '\(Roster.fileHeader)'")
                }
                sawHeader = true
                continue
            }
            switch words[0] {
            case "serial":
                guard words.count == 2, let value = Roster.decimal(words[1]) else { throw fail("expected 'serial N'") }
                guard serial == nil else { throw fail("a second 'serial' line") }
                serial = value
            case "key":
                guard words.count == 3 || (words.count == 5 && words[3] == "last-seq") else {
                    throw fail("expected 'key PARTNER BASE64-KEY [last-seq N]'")
                }
                do { try Roster.validatePartnerCode(words[1]) } catch { throw fail(error.reason) }
                guard let raw = Ed25519Base64.decode(words[2]) else {
                    throw fail("'\(words[2].prefix(60))' is not a base64 Ed25519 public key (32 bytes)")
                }
                var last: UInt64?
                if words.count == 5 {
                    guard let value = Roster.decimal(words[4]) else { throw fail("last-seq must be a whole number") }
                    last = value
                }
                members.append(Member(partner: words[1], key: AuthorKey(raw), lastValidSeq: last))
            default:
                throw fail("unknown line '\(words[0])' (expected 'serial' or 'key')")
            }
        }
        guard sawHeader else {
            throw WireError(.parse, "empty file: expected the header '\(Roster.fileHeader)'", context: "roster")
        }
        guard let serial else { throw WireError(.parse, "missing the 'serial N' line", context: "roster") }
        do { try self.init(serial: serial, members: members) } catch {
            throw WireError(error.code, error.reason, context: "roster")
        }
    }
}

extension Roster {
    /// A decimal number of the roster file: ASCII digits only (Swift's `UInt64(_:)` would also take a sign).
    static func decimal(_ word: String) -> UInt64? {
        guard !word.isEmpty, word.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return UInt64(word)
    }
}

/// Base64 of a raw 32-byte Ed25519 key, without Foundation.
public enum Ed25519Base64 {
    public static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }

    public static func decode(_ text: String) -> [UInt8]? {
        guard let raw = Base64.decode(text), raw.count == 32 else { return nil }
        return raw
    }
}
