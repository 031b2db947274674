public import CapSyncWire

/// Which entry set a value: the last-writer-wins order key (HLC timestamp, then author key, then entry id),
/// kept with every merged value so views can say when and by whom it was set.
public struct Stamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let timestamp: HLCTimestamp
    public let author: AuthorKey
    public let seq: UInt64
    public let entryID: EntryID

    public init(timestamp: HLCTimestamp, author: AuthorKey, seq: UInt64, entryID: EntryID) {
        self.timestamp = timestamp
        self.author = author
        self.seq = seq
        self.entryID = entryID
    }

    public init(_ entry: Entry) {
        self.init(timestamp: entry.timestamp, author: entry.author, seq: entry.seq, entryID: entry.id)
    }

    /// Last writer wins: later timestamp, then greater author key. The entry id decides only between two entries
    /// of one author with one timestamp, which a verified chain never holds; it keeps the order total anyway.
    public static func < (a: Stamp, b: Stamp) -> Bool {
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        if a.author != b.author { return a.author < b.author }
        return a.entryID < b.entryID
    }

    public var description: String { "\(timestamp) by \(author.short) seq \(seq) (\(entryID.short))" }

    func write(to writer: inout ByteWriter) {
        writer.writeWord(timestamp.rawValue)
        writer.write(author)
        writer.writeVarint(seq)
        writer.write(entryID)
    }

    private enum CodingKeys: String, CodingKey { case timestamp, milliseconds, author, seq, entry }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try container.decode(UInt64.self, forKey: .timestamp)
        let author = try container.decode(String.self, forKey: .author)
        let entry = try container.decode(String.self, forKey: .entry)
        guard let authorKey = AuthorKey(hex: author), let id = EntryID(hex: entry) else {
            throw DecodingError.dataCorruptedError(
                forKey: .entry,
                in: container,
                debugDescription: "author and entry are 64 hex digits"
            )
        }
        self.init(
            timestamp: HLCTimestamp(rawValue: raw),
            author: authorKey,
            seq: try container.decode(UInt64.self, forKey: .seq),
            entryID: id
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timestamp.rawValue, forKey: .timestamp)
        try container.encode(timestamp.milliseconds, forKey: .milliseconds)
        try container.encode(author.hex, forKey: .author)
        try container.encode(seq, forKey: .seq)
        try container.encode(entryID.hex, forKey: .entry)
    }
}

extension ByteWriter {
    /// 32 bytes straight from the words, big-endian (Bytes32.bytes builds an array first; this is on the
    /// digest's hot path).
    @inline(__always)
    mutating func write(_ value: Bytes32) {
        writeWord(value.w0)
        writeWord(value.w1)
        writeWord(value.w2)
        writeWord(value.w3)
    }

    @inline(__always)
    mutating func writeWord(_ word: UInt64) {
        writeUInt8(UInt8(truncatingIfNeeded: word >> 56))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 48))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 40))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 32))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 24))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 16))
        writeUInt8(UInt8(truncatingIfNeeded: word >> 8))
        writeUInt8(UInt8(truncatingIfNeeded: word))
    }
}
