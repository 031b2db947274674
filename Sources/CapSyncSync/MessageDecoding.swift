import CapSyncWire

extension SyncMessage {
    /// Decodes one frame body of the given type. `bytes[range]` is the body; limits are checked before use.
    static func decode(
        type rawType: UInt8,
        body bytes: [UInt8],
        range: Range<Int>,
        limits: SyncLimits
    ) throws(SyncError) -> SyncMessage {
        guard let type = MessageType(rawValue: rawType) else {
            throw SyncError(
                .unknownMessageType,
                "type byte 0x\(String(rawType, radix: 16)) names no message of protocol version 1",
                context: "frame"
            )
        }
        let name = "\(type)".uppercased()
        var reader = ByteReader(bytes, range: range)
        do throws(WireError) {
            let message: SyncMessage
            switch type {
            case .hello: message = .hello(try SyncHello.read(from: &reader))
            case .heads: message = .heads(try SyncHeads.read(from: &reader, limits: limits))
            case .entries: message = .entries(try EntriesBatch.read(from: &reader, limits: limits))
            case .forks: message = .forks(try readForks(from: &reader, limits: limits))
            case .done:
                message = .done(
                    SyncDone(
                        entriesSent: try reader.readVarint("entriesSent"),
                        forkProofsSent: try reader.readVarint("forkProofsSent")
                    )
                )
            case .error:
                let code = try reader.readVarint("code", max: UInt64(UInt16.max))
                message = .error(
                    SyncErrorMessage(
                        code: UInt16(code),
                        text: try reader.readString("text", limit: SyncLimits.maxErrorTextBytes)
                    )
                )
            case .ack:
                message = .ack(
                    SyncAck(
                        entriesStored: try reader.readVarint("entriesStored"),
                        entriesAlreadyHeld: try reader.readVarint("entriesAlreadyHeld"),
                        entriesRefused: try reader.readVarint("entriesRefused"),
                        forkProofsKept: try reader.readVarint("forkProofsKept"),
                        authorsHeld: try reader.readVarint("authorsHeld"),
                        entriesHeld: try reader.readVarint("entriesHeld")
                    )
                )
            }
            try reader.expectEnd("body")
            return message
        } catch {
            if error.code == .badSignature || error.context == "fork proof" {
                throw SyncError(.invalidForkProof, error.reason, context: name)
            }
            throw SyncError(decoding: error, message: name)
        }
    }

    static func readForks(from reader: inout ByteReader, limits: SyncLimits) throws(WireError) -> [ForkProof] {
        let count = try reader.readCount("proofs.count", limit: limits.maxForkProofsPerFrame)
        guard count >= 1 else {
            throw WireError(
                .invalidValue,
                "a FORKS frame holds at least one proof",
                offset: reader.offset,
                context: "proofs.count"
            )
        }
        var proofs: [ForkProof] = []
        for index in 0..<count {
            let first = try Entry(
                decoding: reader.readLengthPrefixed("proofs[\(index)].first", limit: Entry.maxEncodedSize)
            )
            let second = try Entry(
                decoding: reader.readLengthPrefixed("proofs[\(index)].second", limit: Entry.maxEncodedSize)
            )
            guard first.id < second.id else {
                throw WireError(
                    .invalidValue,
                    "the two entries of a proof must be ordered by id",
                    context: "proofs[\(index)]"
                )
            }
            proofs.append(try ForkProof(first, second))
        }
        return proofs
    }
}

extension SyncHello {
    static func read(from reader: inout ByteReader) throws(WireError) -> SyncHello {
        let magic = try reader.readBytes("magic", count: 4)
        guard magic == SyncHello.magic else {
            throw WireError(
                .invalidValue,
                "the peer is not speaking the CapSync sync protocol (no CSYN magic)",
                offset: 0,
                context: "magic"
            )
        }
        let minVersion = try reader.readVarint("minVersion", max: UInt64(UInt16.max))
        let maxVersion = try reader.readVarint("maxVersion", max: UInt64(UInt16.max))
        guard minVersion >= 1, minVersion <= maxVersion else {
            throw WireError(
                .invalidValue,
                "version range \(minVersion)...\(maxVersion) is empty or starts at 0",
                context: "minVersion"
            )
        }
        let hashRange = try reader.skipBytes("rosterHash", count: 32)
        let features = try reader.readVarint("features")
        let maxFrame = try reader.readVarint("maxFrameBytes", max: UInt64(UInt32.max))
        let maxEntries = try reader.readVarint("maxEntriesPerBatch", max: UInt64(UInt32.max))
        let label = try reader.readString("label", limit: SyncLimits.maxLabelBytes)
        return SyncHello(
            minVersion: UInt16(minVersion),
            maxVersion: UInt16(maxVersion),
            rosterHash: Bytes32(reader.bytes, at: hashRange.lowerBound),
            features: features,
            maxFrameBytes: UInt32(maxFrame),
            maxEntriesPerBatch: UInt32(maxEntries),
            label: label
        )
    }
}

extension SyncHeads {
    static func read(from reader: inout ByteReader, limits: SyncLimits) throws(WireError) -> SyncHeads {
        let count = try reader.readCount("heads.count", limit: limits.maxAuthorsPerHeads)
        // Each head takes at least 33 bytes: refuse a count the body cannot hold before reserving for it.
        guard count <= reader.remaining / 33 else {
            throw WireError(
                .truncated,
                "\(count) heads cannot fit in \(reader.remaining) bytes",
                offset: reader.offset,
                context: "heads.count"
            )
        }
        var heads: [Head] = []
        heads.reserveCapacity(count)
        for index in 0..<count {
            let start = reader.offset
            let authorRange = try reader.skipBytes("heads[\(index)].author", count: 32)
            let author = AuthorKey(reader.bytes, at: authorRange.lowerBound)
            if let last = heads.last, !(last.author < author) {
                throw WireError(
                    .invalidValue,
                    "authors must be strictly ascending",
                    offset: start,
                    context: "heads[\(index)].author"
                )
            }
            let seq = try reader.readVarint("heads[\(index)].seq", max: Entry.maxSeq)
            var id = EntryID.zero
            if seq > 0 {
                let idRange = try reader.skipBytes("heads[\(index)].id", count: 32)
                id = EntryID(reader.bytes, at: idRange.lowerBound)
            }
            heads.append(Head(author: author, seq: seq, id: id))
        }
        let claimCount = try reader.readCount("forkClaims.count", limit: limits.maxAuthorsPerHeads)
        guard claimCount <= reader.remaining / 33 else {
            throw WireError(
                .truncated,
                "\(claimCount) fork claims cannot fit in \(reader.remaining) bytes",
                offset: reader.offset,
                context: "forkClaims.count"
            )
        }
        var claims: [ForkClaim] = []
        claims.reserveCapacity(claimCount)
        for index in 0..<claimCount {
            let start = reader.offset
            let authorRange = try reader.skipBytes("forkClaims[\(index)].author", count: 32)
            let author = AuthorKey(reader.bytes, at: authorRange.lowerBound)
            if let last = claims.last, !(last.author < author) {
                throw WireError(
                    .invalidValue,
                    "authors must be strictly ascending",
                    offset: start,
                    context: "forkClaims[\(index)].author"
                )
            }
            let seqOffset = reader.offset
            let seq = try reader.readVarint("forkClaims[\(index)].seq", max: Entry.maxSeq)
            guard seq >= 1 else {
                throw WireError(
                    .invalidValue,
                    "a fork is at seq 1 or above",
                    offset: seqOffset,
                    context: "forkClaims[\(index)].seq"
                )
            }
            let flagsOffset = reader.offset
            let flags = try reader.readUInt8("forkClaims[\(index)].flags")
            guard flags & ~ForkClaim.deeperFlag == 0, flags == 0 || seq > 1 else {
                throw WireError(
                    .invalidValue,
                    "flags 0x\(String(flags, radix: 16)) are not defined for a fork at seq \(seq)",
                    offset: flagsOffset,
                    context: "forkClaims[\(index)].flags"
                )
            }
            claims.append(ForkClaim(author: author, seq: seq, deeper: flags == ForkClaim.deeperFlag))
        }
        return SyncHeads(heads: heads, forkClaims: claims)
    }
}
