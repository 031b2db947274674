import CapSyncSync
import CapSyncWire

/// Sync frame decoders (Protocol/sync.md): the stream cutter and the body decoder of every message type.
enum SyncTargets {
    /// The stream after a first byte that sets the chunk size (1...256) the decoder is fed in.
    static func frames(_ bytes: [UInt8]) -> String? {
        guard let selector = bytes.first else { return nil }
        return decodeStream(Array(bytes.dropFirst()), chunkSize: Int(selector) + 1)
    }

    /// One frame: type byte (the first input byte, mod 9 so unknown types 0 and 8 are tried too, beside HELLO 1
    /// to ACK 7), then the body.
    static func message(_ bytes: [UInt8]) -> String? {
        guard let selector = bytes.first else { return nil }
        var writer = ByteWriter(capacity: bytes.count + 4)
        writer.writeUInt32(UInt32(bytes.count))
        writer.writeUInt8(selector % 9)
        writer.writeBytes(bytes.dropFirst())
        return decodeStream(writer.bytes, chunkSize: writer.bytes.count)
    }

    /// Feeds `stream` in chunks and checks every message decoded: it must re-encode to exactly the frame it
    /// came from (a decoder that accepts two encodings of one message would make byte counts and hashes lie),
    /// its computed size must match, and the re-encoding must decode to an equal message.
    static func decodeStream(_ stream: [UInt8], chunkSize: Int) -> String? {
        var decoder = FrameDecoder()
        var position = 0
        var decodedEnd = 0
        while position < stream.count {
            let end = min(stream.count, position + chunkSize)
            decoder.feed(stream[position..<end])
            position = end
            while true {
                let message: SyncMessage?
                do { message = try decoder.next() } catch { return nil }
                guard let message else { break }
                let frame = Array(stream[decodedEnd..<decoder.bytesDecoded])
                decodedEnd = decoder.bytesDecoded
                if let problem = roundTrip(message, frame: frame) { return problem }
            }
        }
        return nil
    }

    static func roundTrip(_ message: SyncMessage, frame: [UInt8]) -> String? {
        let encoded = message.encode()
        guard encoded == frame else {
            return "\(message.type) frame \(hexPrefix(frame)) re-encodes as \(hexPrefix(encoded))"
        }
        guard message.encodedSize == encoded.count else {
            return "\(message.type) encodedSize \(message.encodedSize) but encode() gives \(encoded.count) bytes"
        }
        var again = FrameDecoder()
        again.feed(encoded)
        let second: SyncMessage?
        do { second = try again.next() } catch { return "\(message.type) re-encoding does not decode: \(error)" }
        guard second == message else { return "\(message.type) decodes to another message after a round trip" }
        if case .entries(let batch) = message { return rebuildRuns(batch) }
        return nil
    }

    /// The author and prev an ENTRIES run is rebuilt with (the session takes them from HEADS and the store).
    static let runAuthor = AuthorKey([UInt8](repeating: 0xA5, count: 32))
    static let impliedPrev = EntryID([UInt8](repeating: 0x5A, count: 32))

    /// Every compact entry that rebuilds into a canonical entry must pass the entry target's checks.
    static func rebuildRuns(_ batch: EntriesBatch) -> String? {
        for run in batch.runs {
            let prev = run.prev ?? (run.firstSeq == 1 ? EntryID.zero : impliedPrev)
            guard let entries = try? run.rebuild(author: runAuthor, prev: prev) else { continue }
            guard entries.count == run.entries.count else { return "a run rebuilt into another number of entries" }
            for (offset, entry) in entries.enumerated() {
                guard entry.seq == run.firstSeq + UInt64(offset), entry.author == runAuthor else {
                    return "rebuilt entry \(offset) has seq \(entry.seq), author \(entry.author)"
                }
                if let problem = WireTargets.entry(entry.encoded) { return "rebuilt entry: \(problem)" }
            }
        }
        return nil
    }
}
