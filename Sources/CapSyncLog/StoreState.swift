import CapSyncWire

/// The mutable heart of a `LogStore`: open segments, the index, the batch chain, the roster ingest checks
/// against, the own clock and the own-chain journal. Not thread-safe on its own: `LogStore` keeps it in a
/// `Mutex`, and changes segments only under the directory's writer lock (flock) too, so that another process's
/// batches are caught up with before writing.
final class StoreState {
    struct Segment {
        var number: Int
        var file: any StoreFile
        var committedEnd: Int64
        var name: String { SegmentFormat.fileName(number) }
    }

    let directory: String
    let fileSystem: any StoreFileSystem
    let options: StoreOptions
    var index = StoreIndex()
    var segments: [Segment] = []
    var nextBatch: UInt64 = 1
    var chain: UInt32 = 0
    var recoveries: [RecoveryReport] = []
    /// Set by the first fsync failure; every later write is refused.
    var failure: StoreError?
    /// Read-only opens: the unacknowledged or damaged tail found but left in place.
    var pendingRepair: RecoveryReport?
    /// The roster ingest checks against.
    var roster: Roster
    /// The clock own appends are stamped with.
    var clock = HybridLogicalClock()
    /// Whether the clock has observed the stored heads (done at the first append, when the physical time is
    /// known, so that a far-future head never drags our clock along).
    var clockSeeded = false
    /// The highest seq a peer holds of each author, when above ours.
    var peerHeads: [AuthorKey: UInt64] = [:]
    /// The own-chain journal and what it says (nil without `StoreOptions.ownChain`).
    var ownChain: OwnChainTracker?
    var readOnly: Bool { options.readOnly }

    init(directory: String, fileSystem: any StoreFileSystem, options: StoreOptions, roster: Roster) {
        self.roster = roster
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
    }

    var quarantineDirectory: String { directory.appendingPathComponent("quarantine") }

    func path(of segmentNumber: Int) -> String {
        directory.appendingPathComponent(SegmentFormat.fileName(segmentNumber))
    }

    // MARK: Catching up (open, refresh, start of every write)

    /// Reads whatever was committed since we last looked (by this or another process): new bytes at the end
    /// of the last segment, then any new segments. A torn final batch is set aside and cut; damage anywhere
    /// before it refuses with `.corruptCommitted`. Call with the writer lock held.
    ///
    /// Bytes found this way may sit only in the page cache: a writer killed (or whose fsync failed) between its
    /// write and its fsync leaves a complete-looking batch that a power cut can still take. So every segment with
    /// newly found batches is fsynced (and the directory, for new segments) before they count as committed —
    /// before they are served or built upon. Syncing a clean file costs next to nothing.
    func catchUp() throws(StoreError) {
        // Ids found by the scan are indexed in one pass at the end (see `EntryIDTable`), also when it fails.
        index.deferIDIndexing()
        do {
            try catchUpSegments()
        } catch {
            _ = index.indexDeferredIDs()
            throw error
        }
        if let (id, location) = index.indexDeferredIDs() {
            let name = SegmentFormat.fileName(location.segment)
            throw StoreError(
                .corruptCommitted,
                "committed record in \(name) at byte \(location.offset) is inconsistent: entry \(id.short) is "
                    + "stored twice. Restore the node directory from a backup, or re-learn the chains from peers.",
                file: name,
                offset: location.offset
            )
        }
    }

    private func catchUpSegments() throws(StoreError) {
        if let last = segments.last {
            let size = try last.file.size()
            guard size >= last.committedEnd else {
                throw StoreError(
                    .corruptCommitted,
                    "segment \(last.name) is shorter than its committed length \(last.committedEnd): committed "
                        + "entries were removed behind the store's back. Restore the node directory from a backup.",
                    file: last.name,
                    offset: size
                )
            }
            if size > last.committedEnd {
                if !readOnly { try durably { () throws(StoreError) in try last.file.sync() } }
                try scanSegment(at: segments.count - 1, from: last.committedEnd, size: size)
            }
        }
        if !readOnly, fileSystem.fileExists(path(of: (segments.last?.number ?? 0) + 1)) {
            try durably { () throws(StoreError) in try fileSystem.syncDirectory(directory) }
        }
        try reserveIndexForNewSegments()
        while true {
            let number = (segments.last?.number ?? 0) + 1
            let path = path(of: number)
            guard fileSystem.fileExists(path) else { break }
            guard number <= SegmentFormat.maxSegmentNumber else {
                throw StoreError(.overLimit, "more than \(SegmentFormat.maxSegmentNumber) segments", file: path)
            }
            let file = readOnly ? try fileSystem.openFileForReading(path) : try fileSystem.openFile(path, create: false)
            if !readOnly { try durably { () throws(StoreError) in try file.sync() } }
            let size = try file.size()
            segments.append(Segment(number: number, file: file, committedEnd: 0))
            try scanSegment(at: segments.count - 1, from: 0, size: size)
        }
    }

    /// Sizes the id index once for every segment not yet read (an entry record takes at least 180 bytes), so
    /// opening a large store does not rehash the index again and again as it grows.
    private func reserveIndexForNewSegments() throws(StoreError) {
        var bytes: Int64 = 0
        var number = (segments.last?.number ?? 0) + 1
        while fileSystem.fileExists(path(of: number)) {
            bytes += try fileSystem.openFileForReading(path(of: number)).size()
            number += 1
        }
        if bytes > 0 { index.reserve(index.entryCount + Int(bytes / 180)) }
    }

    /// Scans a segment from `start` (0: from its header) to `size`, applying each committed batch; then judges
    /// what follows the last commit, if anything: cut it, or refuse.
    ///
    /// The segment is read in steps (`options.scanStepBytes`, 8 MiB) rather than whole: the buffer's memory is then
    /// reused from one step to the next, where a fresh 64 MiB buffer per segment cost a page fault and a page
    /// clearing for every 4 KiB (a third of the time of opening a large store). A step that ends inside a batch
    /// is followed by one from that batch's start.
    private func scanSegment(at position: Int, from start: Int64, size: Int64) throws(StoreError) {
        let segment = segments[position]
        var base = start
        var step = max(1, options.scanStepBytes)
        var outcome: SegmentScanner.Outcome
        var scanner: SegmentScanner
        repeat {
            let bytes = try segment.file.read(at: base, count: Int(min(Int64(step), size - base)))
            let atEnd = base + Int64(bytes.count) >= size || bytes.isEmpty
            scanner = SegmentScanner(bytes: bytes, base: base, segmentNumber: segment.number)
            outcome = try scanner.scan(expectHeader: base == 0, nextBatch: nextBatch, chain: chain) {
                (records) throws(StoreError) in
                try self.apply(records, from: bytes, segment: segment)
            }
            nextBatch = outcome.nextBatch
            chain = outcome.chain
            segments[position].committedEnd = outcome.committedEnd
            if atEnd || (outcome.problem != nil && !outcome.endsInsideBatch) { break }
            // The step ended inside a batch (or exactly at a commit): read on from the last commit, with a longer
            // step if one batch is longer than the step.
            if outcome.committedEnd == base { step *= 2 }
            base = outcome.committedEnd
        } while true
        guard let problem = outcome.problem else { return }
        if scanner.base + Int64(scanner.bytes.count) < size {
            // Judge the damage with every byte from the last commit to the end of the file in view.
            scanner = SegmentScanner(
                bytes: try segment.file.read(at: outcome.committedEnd, count: Int(size - outcome.committedEnd)),
                base: outcome.committedEnd,
                segmentNumber: segment.number
            )
        }

        let headerDamaged = outcome.committedEnd == 0
        let laterSegment = fileSystem.fileExists(path(of: segment.number + 1))
        let laterCommit = scanner.laterCommit(
            from: problem.offset,
            minimumBatch: headerDamaged ? nextBatch : nextBatch + 1
        )
        if laterSegment || laterCommit != nil {
            let evidence =
                laterSegment
                ? "segment \(SegmentFormat.fileName(segment.number + 1)) was started after it"
                : "batch \(laterCommit!.batch) was committed after it, at byte \(laterCommit!.offset)"
            let readable = Self.entriesInTail(scanner.bytes, from: Int(outcome.committedEnd - scanner.base))
            throw StoreError(
                .corruptCommitted,
                "segment \(segment.name) is damaged at byte \(problem.offset) (\(problem.what)) inside an acknowledged "
                    + "batch (\(evidence))"
                    + (readable.isEmpty
                        ? ""
                        : "; entries of that batch before the damage: "
                            + RecoveryReport.summarize(readable))
                    + ". Cutting here would drop acknowledged entries, so the store refuses to open. Safe ways on "
                    + "(this node never signs a seq twice: until its own chain is back, own appends are refused): "
                    + "restore from a backup (capsync restore BACKUP --dir NEW-DIR), or move the store aside "
                    + "(mv store store.damaged) and sync with peers to take every chain back; keep the damaged "
                    + "file for inspection.",
                file: segment.name,
                offset: problem.offset
            )
        }
        let entries = Self.entriesInTail(scanner.bytes, from: Int(outcome.committedEnd - scanner.base))
        if readOnly {
            pendingRepair = RecoveryReport(
                segmentFile: segment.name,
                cutOffset: outcome.committedEnd,
                bytesSetAside: scanner.base + Int64(scanner.bytes.count) - outcome.committedEnd,
                quarantineFile: nil,
                problem: "\(problem.what) at byte \(problem.offset)",
                entries: entries,
                performed: false
            )
            return
        }
        try setAside(position: position, from: outcome.committedEnd, problem: problem, entries: entries)
    }

    /// The entry records at the start of a tail that still frame and check out: whose entries a cut affects.
    static func entriesInTail(_ bytes: [UInt8], from start: Int) -> [Head] {
        var found: [Head] = []
        var position = max(0, start)
        while bytes.count - position >= SegmentFormat.recordHeaderSize + 1 {
            let length = Int(SegmentFormat.readUInt32(bytes, at: position))
            guard length >= 1, length <= SegmentFormat.maxRecordLength, position + 8 + length <= bytes.count else {
                break
            }
            let record = Array(bytes[position..<(position + 8 + length)])
            let computed = CRC32C.update(CRC32C.update(0, Array(record[0..<4])), Array(record[8...]))
            guard computed == SegmentFormat.readUInt32(record, at: 4) else { break }
            if record[8] == SegmentFormat.RecordType.entry.rawValue, record.count > 9 + 32,
                let entry = try? Entry(decoding: Array(record[(9 + 32)...]))
            {
                found.append(Head(author: entry.author, seq: entry.seq, id: entry.id))
            }
            position += 8 + length
        }
        return found
    }

    /// Copies the unacknowledged tail of a segment to quarantine/, then cuts it off (or removes a segment whose
    /// header never became durable).
    private func setAside(
        position: Int,
        from cut: Int64,
        problem: (offset: Int64, what: String),
        entries: [Head]
    ) throws(StoreError) {
        let segment = segments[position]
        let size = try segment.file.size()
        var quarantineName: String?
        if size > cut {
            let tail = try segment.file.read(at: cut, count: Int(size - cut))
            try fileSystem.makeDirectory(quarantineDirectory)
            // Never overwrite an earlier copy (a crash can tear a batch at the same offset twice).
            var name = "\(segment.name)-\(cut).tail"
            var attempt = 1
            while fileSystem.fileExists(quarantineDirectory.appendingPathComponent(name)) {
                attempt += 1
                name = "\(segment.name)-\(cut).\(attempt).tail"
            }
            let copy = try fileSystem.openFile(quarantineDirectory.appendingPathComponent(name), create: true)
            try copy.write(tail, at: 0)
            try durably { () throws(StoreError) in
                try copy.sync()
                try fileSystem.syncDirectory(quarantineDirectory)
            }
            quarantineName = "quarantine/" + name
        }
        if cut == 0 {
            try fileSystem.removeFile(path(of: segment.number))
            try durably { () throws(StoreError) in try fileSystem.syncDirectory(directory) }
            segments.remove(at: position)
        } else {
            try segment.file.truncate(to: cut)
            try durably { () throws(StoreError) in try segment.file.sync() }
        }
        recoveries.append(
            RecoveryReport(
                segmentFile: segment.name,
                cutOffset: cut,
                bytesSetAside: size - cut,
                quarantineFile: quarantineName,
                problem: "\(problem.what) at byte \(problem.offset)",
                entries: entries
            )
        )
    }

    /// Adds a committed batch to the index. Ingest checked every link before writing, so a record that does
    /// not fit means the committed log was altered: refuse.
    private func apply(_ records: [SegmentScanner.Record], from bytes: [UInt8], segment: Segment) throws(StoreError) {
        for record in records {
            func corrupt(_ what: String) -> StoreError {
                StoreError(
                    .corruptCommitted,
                    "committed record in \(segment.name) at byte \(record.fileOffset) is inconsistent: \(what). "
                        + "Restore the node directory from a backup, or re-learn the chains from peers.",
                    file: segment.name,
                    offset: record.fileOffset
                )
            }
            switch record.type {
            case .entry:
                guard record.body.count > 32 + 1 + 32, record.size <= RecordLocation.maxSize else {
                    throw corrupt("entry record too short or too long")
                }
                let id = EntryID(bytes, at: record.body.lowerBound)
                var reader = ByteReader(bytes, range: (record.body.lowerBound + 32)..<record.body.upperBound)
                let author: AuthorKey
                let seq: UInt64
                let prev: EntryID
                let timestamp: UInt64
                let kind: UInt64
                do {
                    _ = try reader.readUInt8("version")
                    let authorRange = try reader.skipBytes("author", count: 32)
                    author = AuthorKey(bytes, at: authorRange.lowerBound)
                    seq = try reader.readVarint("seq", max: Entry.maxSeq)
                    let prevRange = try reader.skipBytes("prev", count: 32)
                    prev = EntryID(bytes, at: prevRange.lowerBound)
                    timestamp = try reader.readUInt64("timestamp")
                    kind = try reader.readVarint("kind", max: UInt64(UInt32.max))
                } catch {
                    throw corrupt("entry does not decode (\(error))")
                }
                let location = RecordLocation(segment: segment.number, offset: record.fileOffset, size: record.size)
                if let problem = index.append(
                    id: id,
                    author: author,
                    seq: seq,
                    prev: prev,
                    timestamp: HLCTimestamp(rawValue: timestamp),
                    at: location
                ) {
                    throw corrupt(problem)
                }
                if options.indexedKinds.contains(kind) { index.noteIndexedKind(at: location) }
            case .forkProof:
                do {
                    index.addForkProof(try ForkProof(decoding: Array(bytes[record.body])))
                } catch {
                    throw corrupt("fork proof does not verify (\(error))")
                }
            case .commit:
                throw corrupt("commit record inside a batch")
            }
        }
    }

    // MARK: Writing one batch

    /// Writes records as one batch closed by a commit record, fsyncs, and only then counts it as committed.
    /// Returns each record's location. An fsync failure is final: the store stops acknowledging.
    func commitBatch(
        _ records: [(type: SegmentFormat.RecordType, body: [UInt8])]
    ) throws(StoreError) -> [RecordLocation] {
        precondition(!records.isEmpty)
        if segments.isEmpty || segments[segments.count - 1].committedEnd >= options.segmentSize {
            try startSegment()
        }
        let position = segments.count - 1
        let segment = segments[position]
        var buffer: [UInt8] = []
        buffer.reserveCapacity(records.reduce(SegmentFormat.commitRecordSize) { $0 + $1.body.count + 9 })
        var running = chain
        var locations: [RecordLocation] = []
        locations.reserveCapacity(records.count)
        for record in records {
            let offset = segment.committedEnd + Int64(buffer.count)
            let crc = SegmentFormat.appendRecord(record.type, body: record.body, to: &buffer)
            running = CRC32C.update(running, bigEndian: crc)
            locations.append(RecordLocation(segment: segment.number, offset: offset, size: 9 + record.body.count))
        }
        SegmentFormat.appendRecord(
            .commit,
            body: SegmentFormat.commitBody(batchNumber: nextBatch, recordCount: records.count, chain: running),
            to: &buffer
        )
        guard segment.committedEnd + Int64(buffer.count) < SegmentFormat.maxSegmentBytes else {
            throw StoreError(
                .overLimit,
                "a batch of \(buffer.count) bytes does not fit segment \(segment.name)",
                file: segment.name
            )
        }
        try segment.file.write(buffer, at: segment.committedEnd)
        try durably { () throws(StoreError) in try segment.file.sync() }
        segments[position].committedEnd += Int64(buffer.count)
        nextBatch += 1
        chain = running
        return locations
    }

    private func startSegment() throws(StoreError) {
        let number = (segments.last?.number ?? 0) + 1
        guard number <= SegmentFormat.maxSegmentNumber else {
            throw StoreError(.overLimit, "the store has reached \(SegmentFormat.maxSegmentNumber) segments")
        }
        let path = path(of: number)
        let file = try fileSystem.openFile(path, create: true)
        try file.truncate(to: 0)
        try file.write(SegmentFormat.header(number: number), at: 0)
        try durably { () throws(StoreError) in
            try file.sync()
            try fileSystem.syncDirectory(directory)
        }
        segments.append(Segment(number: number, file: file, committedEnd: Int64(SegmentFormat.headerSize)))
    }

    /// Runs an fsync; on failure the store stops acknowledging for good (never retry an fsync).
    func durably(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        do { try body() } catch {
            if error.code == .fsyncFailed {
                failure = error
            }
            throw error
        }
    }

    var sizeOnDisk: Int64 { segments.reduce(0) { $0 + $1.committedEnd } }

    // MARK: Reading

    func readEntry(at location: RecordLocation) throws(StoreError) -> Entry {
        guard let segment = segments.first(where: { $0.number == location.segment }) else {
            throw StoreError(.corruptRecord, "index names segment \(location.segment), which is not open")
        }
        return try Self.readEntry(from: segment.file, name: segment.name, at: location)
    }

    func file(of location: RecordLocation) -> (any StoreFile, String)? {
        let position = location.segment - (segments.first?.number ?? 1)
        guard segments.indices.contains(position), segments[position].number == location.segment else {
            return segments.first(where: { $0.number == location.segment }).map { ($0.file, $0.name) }
        }
        return (segments[position].file, segments[position].name)
    }

    /// Reads one entry record, checks its checksum and decodes it.
    static func readEntry(
        from file: any StoreFile,
        name: String,
        at location: RecordLocation
    ) throws(StoreError) -> Entry {
        let bytes = try file.read(at: location.offset, count: location.size)
        func corrupt(_ what: String) -> StoreError {
            StoreError(
                .corruptRecord,
                "entry record unreadable: \(what); run `capsync audit`",
                file: name,
                offset: location.offset
            )
        }
        guard bytes.count == location.size, bytes.count > 9 + 32 else { throw corrupt("file ends early") }
        let stored = SegmentFormat.readUInt32(bytes, at: 4)
        let computed = bytes.withUnsafeBytes { raw in
            CRC32C.update(
                CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[0..<4])),
                UnsafeRawBufferPointer(rebasing: raw[8...])
            )
        }
        guard stored == computed, bytes[8] == SegmentFormat.RecordType.entry.rawValue else {
            throw corrupt("checksum mismatch")
        }
        do {
            return try Entry(decoding: Array(bytes[(9 + 32)...]))
        } catch {
            throw corrupt("\(error)")
        }
    }
}
