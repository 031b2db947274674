/// One pass over (part of) a segment: checks framing, checksums and commit records, and hands over each
/// committed batch. It never judges a problem itself; it reports where the committed part ends and what
/// follows, and `LogStore` decides whether that tail may be cut (see `laterCommit`).
struct SegmentScanner {
    /// One record of a committed batch: where it is, and its type and body range inside `bytes`.
    struct Record {
        var type: SegmentFormat.RecordType
        /// Offset of the record (its length field) in the file.
        var fileOffset: Int64
        /// Whole record size, header included.
        var size: Int
        /// Body range inside the scanned buffer.
        var body: Range<Int>
    }

    struct Outcome {
        /// File offset just past the last commit record found (where the next batch goes).
        var committedEnd: Int64
        var nextBatch: UInt64
        var chain: UInt32
        /// Set when bytes follow the committed part that do not form a complete, valid batch.
        var problem: (offset: Int64, what: String)?
        /// Whether the problem is only that the buffer ends inside a batch (a torn segment or record header, a
        /// record running past the end, records without their commit): a scan of part of a file reads on from
        /// `committedEnd` before judging it.
        var endsInsideBatch = false
    }

    /// The file bytes from `base` on.
    let bytes: [UInt8]
    let base: Int64
    let segmentNumber: Int

    /// Scans from the start of the buffer. With `expectHeader`, the buffer starts at file offset 0 with the
    /// segment header. `onBatch` receives each committed batch's records, in order.
    func scan(
        expectHeader: Bool,
        nextBatch: UInt64,
        chain: UInt32,
        onBatch: ([Record]) throws(StoreError) -> Void
    ) throws(StoreError) -> Outcome {
        var outcome = Outcome(committedEnd: base, nextBatch: nextBatch, chain: chain)
        var position = 0
        if expectHeader {
            if let problem = checkHeader() {
                outcome.problem = (0, problem)
                outcome.endsInsideBatch = bytes.count < SegmentFormat.headerSize
                return outcome
            }
            position = SegmentFormat.headerSize
            outcome.committedEnd = Int64(position)
        }
        var batch: [Record] = []
        var running = chain
        while position < bytes.count {
            let fileOffset = base + Int64(position)
            guard bytes.count - position >= SegmentFormat.recordHeaderSize + 1 else {
                outcome.problem = (fileOffset, "torn record header")
                outcome.endsInsideBatch = true
                return outcome
            }
            let length = Int(SegmentFormat.readUInt32(bytes, at: position))
            guard length >= 1, length <= SegmentFormat.maxRecordLength else {
                outcome.problem = (fileOffset, "impossible record length \(length)")
                return outcome
            }
            let end = position + SegmentFormat.recordHeaderSize + length
            guard end <= bytes.count else {
                outcome.problem = (fileOffset, "record of \(length) bytes runs past the end of the file")
                outcome.endsInsideBatch = true
                return outcome
            }
            let stored = SegmentFormat.readUInt32(bytes, at: position + 4)
            let computed = bytes.withUnsafeBytes { raw in
                CRC32C.update(
                    CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[position..<(position + 4)])),
                    UnsafeRawBufferPointer(rebasing: raw[(position + 8)..<end])
                )
            }
            guard stored == computed else {
                outcome.problem = (fileOffset, "record checksum mismatch")
                return outcome
            }
            let typeByte = bytes[position + 8]
            guard let type = SegmentFormat.RecordType(rawValue: typeByte) else {
                outcome.problem = (fileOffset, "unknown record type \(typeByte)")
                return outcome
            }
            let body = (position + 9)..<end
            switch type {
            case .entry, .forkProof:
                batch.append(Record(type: type, fileOffset: fileOffset, size: end - position, body: body))
                // The chain covers the crc field as stored (big-endian), read in place.
                running = bytes.withUnsafeBytes {
                    CRC32C.update(running, UnsafeRawBufferPointer(rebasing: $0[(position + 4)..<(position + 8)]))
                }
            case .commit:
                guard body.count == SegmentFormat.commitBodySize else {
                    outcome.problem = (fileOffset, "commit record of the wrong size")
                    return outcome
                }
                let number = SegmentFormat.readUInt64(bytes, at: body.lowerBound)
                let count = Int(SegmentFormat.readUInt32(bytes, at: body.lowerBound + 8))
                let chainValue = SegmentFormat.readUInt32(bytes, at: body.lowerBound + 12)
                guard number == outcome.nextBatch, count == batch.count, count > 0, chainValue == running else {
                    outcome.problem = (
                        fileOffset,
                        "commit record does not close the batch before it (batch \(number), \(count) records; "
                            + "expected batch \(outcome.nextBatch), \(batch.count) records, matching chain)"
                    )
                    return outcome
                }
                try onBatch(batch)
                batch.removeAll(keepingCapacity: true)
                outcome.nextBatch += 1
                outcome.chain = running
                outcome.committedEnd = base + Int64(end)
            }
            position = end
        }
        if !batch.isEmpty {
            outcome.problem = (outcome.committedEnd, "batch of \(batch.count) records without its commit record")
            outcome.endsInsideBatch = true
        }
        return outcome
    }

    private func checkHeader() -> String? {
        guard bytes.count >= SegmentFormat.headerSize else { return "torn segment header" }
        let stored = SegmentFormat.readUInt32(bytes, at: 16)
        guard CRC32C.checksum(Array(bytes[0..<16])) == stored else { return "segment header checksum mismatch" }
        guard Array(bytes[0..<8]) == SegmentFormat.magic else { return "not a CapSync segment (bad magic)" }
        let version = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        guard version == SegmentFormat.version else { return "segment format version \(version) is not supported" }
        guard Int(SegmentFormat.readUInt32(bytes, at: 12)) == segmentNumber else {
            return "segment header names another segment number"
        }
        return nil
    }

    /// The first valid commit record at or after `offset` (file offset) whose batch number is at least
    /// `minimumBatch`. Finding one means the damage before it sits inside a batch that was acknowledged.
    func laterCommit(from offset: Int64, minimumBatch: UInt64) -> (offset: Int64, batch: UInt64)? {
        var position = max(0, Int(offset - base))
        let size = SegmentFormat.commitRecordSize
        while position + size <= bytes.count {
            defer { position += 1 }
            guard SegmentFormat.readUInt32(bytes, at: position) == UInt32(1 + SegmentFormat.commitBodySize),
                bytes[position + 8] == SegmentFormat.RecordType.commit.rawValue
            else { continue }
            let stored = SegmentFormat.readUInt32(bytes, at: position + 4)
            let computed = bytes.withUnsafeBytes { raw in
                CRC32C.update(
                    CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[position..<(position + 4)])),
                    UnsafeRawBufferPointer(rebasing: raw[(position + 8)..<(position + size)])
                )
            }
            guard computed == stored else { continue }
            let batch = SegmentFormat.readUInt64(bytes, at: position + 9)
            if batch >= minimumBatch { return (base + Int64(position), batch) }
        }
        return nil
    }
}
