import CapSyncWire

/// What the node directory knows of its own signing key's chain, kept outside the store so that moving, losing
/// or restoring the store cannot make the node forget how far its key has signed (Protocol/store.md, "Own-chain
/// safety"). Two slot files (`own-chain.0`, `own-chain.1`) are written alternately, each whole and checksummed,
/// so a torn write of one leaves the other readable; the valid slot with the highest generation is current.
///
/// A slot holds the highest seq of the key known to exist anywhere (signed here, held, or announced by a peer),
/// whether a peer must first show it holds the chain (after a restore), and a copy of the last batch this node
/// signed: if the store later loses that batch (a damaged final batch is cut), the writer puts the very same
/// signed entries back instead of signing new ones at those seqs.
///
/// Not thread-safe; `LogStore` uses it under its lock and the store's writer lock.
struct OwnChainJournal {
    struct State: Equatable {
        var generation: UInt64 = 0
        var author: AuthorKey
        /// Highest seq of this key known to exist anywhere.
        var knownHead: UInt64 = 0
        /// A peer must announce this key at or above the stored head before own appends resume (restores).
        var witnessRequired = false
        /// The last batch of own entries this node signed (all of one author, consecutive seqs).
        var lastBatch: [Entry] = []
    }

    static let magic: [UInt8] = Array("CSOWNCHN".utf8)
    static let version: UInt16 = 1
    static let headerSize = 68
    static let slotNames = ["own-chain.0", "own-chain.1"]

    let directory: String
    let fileSystem: any StoreFileSystem

    func path(_ slot: Int) -> String { directory.appendingPathComponent(Self.slotNames[slot]) }

    /// What reading the slots found.
    enum Loaded {
        /// Neither slot file exists: a node directory from before the journal, or one whose journal was lost.
        case missing
        /// Slot files exist but none is valid (both damaged).
        case damaged(String)
        case found(State, slot: Int)
    }

    func load() throws(StoreError) -> Loaded {
        var best: (State, Int)?
        var problems: [String] = []
        var present = 0
        for slot in 0..<2 where fileSystem.fileExists(path(slot)) {
            present += 1
            let file = try fileSystem.openFileForReading(path(slot))
            let bytes = try file.read(at: 0, count: Int(min(try file.size(), 1 << 30)))
            switch Self.decode(bytes) {
            case .success(let state):
                if best == nil || state.generation > best!.0.generation { best = (state, slot) }
            case .failure(let problem):
                problems.append("\(Self.slotNames[slot]): \(problem)")
            }
        }
        if let (state, slot) = best { return .found(state, slot: slot) }
        return present == 0 ? .missing : .damaged(problems.joined(separator: "; "))
    }

    /// Writes `state` into `slot` (the tracker chooses which). With `sync`, the slot is durable on return;
    /// without, the caller must `sync()` before anything it covers leaves the node.
    func write(_ state: State, into slot: Int, sync: Bool) throws(StoreError) -> Int {
        let bytes = Self.encode(state)
        let file = try fileSystem.openFile(path(slot), create: true)
        try file.write(bytes, at: 0)
        if try file.size() > Int64(bytes.count) { try file.truncate(to: Int64(bytes.count)) }
        if sync {
            try file.sync()
            try fileSystem.syncDirectory(directory)
        }
        return slot
    }

    /// Makes both slots durable (before own entries they cover are served to a peer).
    func sync() throws(StoreError) {
        for slot in 0..<2 where fileSystem.fileExists(path(slot)) {
            try fileSystem.openFile(path(slot), create: false).sync()
        }
        try fileSystem.syncDirectory(directory)
    }

    // MARK: Format

    static func encode(_ state: State) -> [UInt8] {
        var body = ByteWriter(capacity: state.lastBatch.reduce(0) { $0 + 4 + $1.encoded.count })
        for entry in state.lastBatch {
            body.writeUInt32(UInt32(entry.encoded.count))
            body.writeBytes(entry.encoded)
        }
        var writer = ByteWriter(capacity: headerSize + body.bytes.count + 4)
        writer.writeBytes(magic)
        writer.writeUInt16(version)
        writer.writeUInt16(state.witnessRequired ? 1 : 0)
        writer.writeUInt64(state.generation)
        writer.writeBytes(state.author.bytes)
        writer.writeUInt64(state.knownHead)
        writer.writeUInt32(UInt32(state.lastBatch.count))
        writer.writeUInt32(UInt32(body.bytes.count))
        writer.writeBytes(body.bytes)
        writer.writeUInt32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) -> Result<State, DecodeProblem> {
        guard bytes.count >= headerSize + 4 else {
            return .failure("shorter than a slot header (\(bytes.count) bytes)")
        }
        guard Array(bytes[0..<8]) == magic else { return .failure("not an own-chain slot (bad magic)") }
        let bodyLength = Int(SegmentFormat.readUInt32(bytes, at: 64))
        guard bodyLength <= bytes.count - headerSize - 4 else { return .failure("cut short (body runs past the end)") }
        let end = headerSize + bodyLength
        guard SegmentFormat.readUInt32(bytes, at: end) == CRC32C.checksum(Array(bytes[0..<end])) else {
            return .failure("checksum mismatch (torn or damaged write)")
        }
        guard UInt16(bytes[8]) << 8 | UInt16(bytes[9]) == version else { return .failure("unknown slot version") }
        var state = State(
            generation: SegmentFormat.readUInt64(bytes, at: 12),
            author: AuthorKey(bytes, at: 20),
            knownHead: SegmentFormat.readUInt64(bytes, at: 52),
            witnessRequired: bytes[11] & 1 == 1
        )
        let count = Int(SegmentFormat.readUInt32(bytes, at: 60))
        var offset = headerSize
        for _ in 0..<count {
            guard offset + 4 <= end else { return .failure("entry list cut short") }
            let length = Int(SegmentFormat.readUInt32(bytes, at: offset))
            guard length <= end - offset - 4 else { return .failure("entry runs past the body") }
            do {
                state.lastBatch.append(try Entry(decoding: Array(bytes[(offset + 4)..<(offset + 4 + length)])))
            } catch {
                return .failure("entry does not decode (\(error))")
            }
            offset += 4 + length
        }
        guard offset == end else { return .failure("bytes left after the entries") }
        return .success(state)
    }

    struct DecodeProblem: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
        var description: String
        init(stringLiteral value: String) { description = value }
        init(_ value: String) { description = value }
    }
}
