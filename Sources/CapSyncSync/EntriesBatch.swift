public import CapSyncWire

/// One entry in compact form: only what the receiver cannot recompute (Protocol/sync.md §Compact entries).
/// Author, seq and prev come from the run; the timestamp travels as a delta from the previous entry's.
public struct CompactEntry: Sendable, Hashable {
    public var version: UInt8
    /// The absolute timestamp (the wire carries it in full for a run's first entry, as a delta after that).
    public var timestamp: HLCTimestamp
    public var kind: UInt64
    public var payload: ArraySlice<UInt8>
    /// 64 bytes.
    public var signature: ArraySlice<UInt8>

    public init(
        version: UInt8,
        timestamp: HLCTimestamp,
        kind: UInt64,
        payload: ArraySlice<UInt8>,
        signature: ArraySlice<UInt8>
    ) {
        self.version = version
        self.timestamp = timestamp
        self.kind = kind
        self.payload = payload
        self.signature = signature
    }

    /// The compact form of a stored entry (no copy: payload and signature are slices of its canonical bytes).
    public init(_ entry: Entry) {
        self.init(
            version: entry.version,
            timestamp: entry.timestamp,
            kind: entry.kind,
            payload: entry.payload,
            signature: entry.signature
        )
    }
}

/// Consecutive entries of one author: seq `firstSeq`, `firstSeq + 1`, ...; each entry's prev is the id of the
/// entry rebuilt before it.
public struct CompactRun: Sendable, Hashable {
    /// Index of the author in the receiver's HEADS list.
    public var authorIndex: UInt32
    public var firstSeq: UInt64
    /// The prev of the first entry. `nil` ("implied") means: the id of the entry before `firstSeq` that the
    /// receiver already names — the last entry of this author it received in this session, else the head it
    /// declared in HEADS (all zeros at seq 1).
    public var prev: EntryID?
    public var entries: [CompactEntry]

    public init(authorIndex: UInt32, firstSeq: UInt64, prev: EntryID?, entries: [CompactEntry]) {
        self.authorIndex = authorIndex
        self.firstSeq = firstSeq
        self.prev = prev
        self.entries = entries
    }

    /// Seq of the last entry (wrapping arithmetic: an empty run built by hand must not trap).
    public var lastSeq: UInt64 { firstSeq &+ UInt64(entries.count) &- 1 }

    /// Rebuilds the canonical entries: for each compact entry, version ‖ author ‖ varint seq ‖ prev ‖ u64
    /// timestamp ‖ varint kind ‖ varint payload length ‖ payload ‖ signature, then prev := SHA-256 of those
    /// bytes.
    /// Structure is checked (`Entry(decoding:)`); signatures and chain links are the store's job.
    public func rebuild(author: AuthorKey, prev firstPrev: EntryID) throws(WireError) -> [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(entries.count)
        var prev = firstPrev
        var seq = firstSeq
        for compact in entries {
            var writer = ByteWriter(capacity: 140 + compact.payload.count)
            writer.writeUInt8(compact.version)
            writer.writeBytes(author.bytes)
            writer.writeVarint(seq)
            writer.writeBytes(prev.bytes)
            writer.writeUInt64(compact.timestamp.rawValue)
            writer.writeVarint(compact.kind)
            writer.writeLengthPrefixed(compact.payload)
            writer.writeBytes(compact.signature)
            let entry = try Entry(decoding: writer.bytes)
            result.append(entry)
            prev = entry.id
            seq += 1
        }
        return result
    }

    /// Bytes of the run header: author index, first seq, prev form (and prev), entry count.
    static func headerSize(authorIndex: UInt32, firstSeq: UInt64, explicitPrev: Bool, count: Int) -> Int {
        varintSize(UInt64(authorIndex)) + varintSize(firstSeq) + 1 + (explicitPrev ? 32 : 0) + varintSize(count)
    }

    /// Bytes of one compact entry; `delta` is nil for a run's first entry (full 8-byte timestamp).
    static func entrySize(_ entry: CompactEntry, delta: UInt64?) -> Int {
        1 + (delta.map(varintSize) ?? 8) + varintSize(entry.kind) + lengthPrefixedSize(entry.payload.count)
            + Entry.signatureSize
    }

    var size: Int {
        var total = CompactRun.headerSize(
            authorIndex: authorIndex,
            firstSeq: firstSeq,
            explicitPrev: prev != nil,
            count: entries.count
        )
        var previous: HLCTimestamp?
        for entry in entries {
            total += CompactRun.entrySize(entry, delta: previous.map { entry.timestamp.rawValue &- $0.rawValue })
            previous = entry.timestamp
        }
        return total
    }
}

/// ENTRIES: a batch of runs. Runs of different authors follow each other; an author may continue in the next
/// batch with an implied prev.
public struct EntriesBatch: Sendable, Hashable {
    public var runs: [CompactRun]

    public init(runs: [CompactRun]) { self.runs = runs }

    public var entryCount: Int { runs.reduce(0) { $0 + $1.entries.count } }

    /// Prev form byte values.
    static let prevImplied: UInt8 = 0
    static let prevExplicit: UInt8 = 1

    func write(to writer: inout ByteWriter) {
        writer.writeVarint(runs.count)
        for run in runs {
            writer.writeVarint(UInt64(run.authorIndex))
            writer.writeVarint(run.firstSeq)
            if let prev = run.prev {
                writer.writeUInt8(EntriesBatch.prevExplicit)
                writer.writeBytes(prev.bytes)
            } else {
                writer.writeUInt8(EntriesBatch.prevImplied)
            }
            writer.writeVarint(run.entries.count)
            var previous: HLCTimestamp?
            for entry in run.entries {
                writer.writeUInt8(entry.version)
                if let previous {
                    writer.writeVarint(entry.timestamp.rawValue &- previous.rawValue)
                } else {
                    writer.writeUInt64(entry.timestamp.rawValue)
                }
                writer.writeVarint(entry.kind)
                writer.writeLengthPrefixed(entry.payload)
                writer.writeBytes(entry.signature)
                previous = entry.timestamp
            }
        }
    }

    var bodySize: Int { runs.reduce(varintSize(runs.count)) { $0 + $1.size } }

    /// Decodes a body; every count is checked against the limits (and against the bytes left) before use.
    static func read(from reader: inout ByteReader, limits: SyncLimits) throws(WireError) -> EntriesBatch {
        let maxEntries = limits.maxEntriesPerBatch
        let runCount = try reader.readCount("runs.count", limit: maxEntries)
        guard runCount >= 1 else {
            throw WireError(
                .invalidValue,
                "a batch holds at least one run",
                offset: reader.offset,
                context: "runs.count"
            )
        }
        // The smallest run is 5 bytes of header and one 75-byte entry: refuse counts the body cannot hold.
        guard runCount <= reader.remaining / 79 + 1 else {
            throw WireError(
                .truncated,
                "\(runCount) runs cannot fit in \(reader.remaining) bytes",
                offset: reader.offset,
                context: "runs.count"
            )
        }
        var runs: [CompactRun] = []
        runs.reserveCapacity(runCount)
        var total = 0
        for r in 0..<runCount {
            let field = "runs[\(r)]"
            let authorIndex = try reader.readCount(field + ".authorIndex", limit: limits.maxAuthorsPerHeads - 1)
            let seqOffset = reader.offset
            let firstSeq = try reader.readVarint(field + ".firstSeq", max: Entry.maxSeq)
            guard firstSeq >= 1 else {
                throw WireError(.invalidValue, "seq starts at 1", offset: seqOffset, context: field + ".firstSeq")
            }
            let formOffset = reader.offset
            let form = try reader.readUInt8(field + ".prevForm")
            var prev: EntryID?
            switch form {
            case prevImplied: prev = nil
            case prevExplicit:
                guard firstSeq > 1 else {
                    throw WireError(
                        .invalidValue,
                        "a run starting at seq 1 has no prev to send",
                        offset: formOffset,
                        context: field + ".prevForm"
                    )
                }
                let range = try reader.skipBytes(field + ".prev", count: 32)
                prev = EntryID(reader.bytes, at: range.lowerBound)
            default:
                throw WireError(
                    .invalidValue,
                    "prev form \(form) is not 0 (implied) or 1 (explicit)",
                    offset: formOffset,
                    context: field + ".prevForm"
                )
            }
            let countOffset = reader.offset
            let count = try reader.readCount(field + ".entries.count", limit: maxEntries - total)
            guard count >= 1 else {
                throw WireError(
                    .invalidValue,
                    "a run holds at least one entry",
                    offset: countOffset,
                    context: field + ".entries.count"
                )
            }
            guard count <= reader.remaining / 68 + 1 else {
                throw WireError(
                    .truncated,
                    "\(count) entries cannot fit in \(reader.remaining) bytes",
                    offset: countOffset,
                    context: field + ".entries.count"
                )
            }
            guard firstSeq + UInt64(count) - 1 <= Entry.maxSeq else {
                throw WireError(
                    .invalidValue,
                    "the run goes past the largest seq",
                    offset: countOffset,
                    context: field + ".entries.count"
                )
            }
            total += count
            var entries: [CompactEntry] = []
            entries.reserveCapacity(count)
            var previous: HLCTimestamp?
            for e in 0..<count {
                let entryField = "\(field).entries[\(e)]"
                let version = try reader.readUInt8(entryField + ".version")
                let timestamp: HLCTimestamp
                let timeOffset = reader.offset
                if let previous {
                    let delta = try reader.readVarint(entryField + ".timestampDelta")
                    let (sum, overflow) = previous.rawValue.addingReportingOverflow(delta)
                    guard delta >= 1, !overflow else {
                        throw WireError(
                            .invalidValue,
                            "timestamp delta \(delta) must be at least 1 and stay within 64 bits",
                            offset: timeOffset,
                            context: entryField + ".timestampDelta"
                        )
                    }
                    timestamp = HLCTimestamp(rawValue: sum)
                } else {
                    timestamp = HLCTimestamp(rawValue: try reader.readUInt64(entryField + ".timestamp"))
                }
                let kind = try reader.readVarint(entryField + ".kind", max: Entry.maxKind)
                let payloadLength = try reader.readCount(entryField + ".payload.length", limit: Entry.maxPayloadSize)
                let payload = try reader.skipBytes(entryField + ".payload", count: payloadLength)
                let signature = try reader.skipBytes(entryField + ".signature", count: Entry.signatureSize)
                entries.append(
                    CompactEntry(
                        version: version,
                        timestamp: timestamp,
                        kind: kind,
                        payload: reader.bytes[payload],
                        signature: reader.bytes[signature]
                    )
                )
                previous = timestamp
            }
            runs.append(CompactRun(authorIndex: UInt32(authorIndex), firstSeq: firstSeq, prev: prev, entries: entries))
        }
        return EntriesBatch(runs: runs)
    }
}
