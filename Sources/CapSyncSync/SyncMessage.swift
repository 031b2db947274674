public import CapSyncWire

/// One protocol message (Protocol/sync.md §Messages). `encode()` gives the whole frame: a 4-byte big-endian
/// length (type byte + body), the type byte, the body.
public enum SyncMessage: Sendable, Hashable {
    case hello(SyncHello)
    case heads(SyncHeads)
    case entries(EntriesBatch)
    case forks([ForkProof])
    case done(SyncDone)
    case error(SyncErrorMessage)
    case ack(SyncAck)

    /// The type byte of each message; the frame layout (length, type) never changes between versions.
    public enum MessageType: UInt8, Sendable, CaseIterable {
        case hello = 0x01
        case heads = 0x02
        case entries = 0x03
        case forks = 0x04
        case done = 0x05
        case error = 0x06
        case ack = 0x07
    }

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .heads: .heads
        case .entries: .entries
        case .forks: .forks
        case .done: .done
        case .error: .error
        case .ack: .ack
        }
    }

    /// Length prefix and type byte.
    public static let frameHeaderSize = 5

    /// The whole frame.
    public func encode() -> [UInt8] {
        var body = ByteWriter(capacity: encodedSize)
        body.writeUInt32(UInt32(encodedSize - 4))
        body.writeUInt8(type.rawValue)
        switch self {
        case .hello(let hello): hello.write(to: &body)
        case .heads(let heads): heads.write(to: &body)
        case .entries(let batch): batch.write(to: &body)
        case .forks(let proofs):
            body.writeVarint(proofs.count)
            for proof in proofs {
                body.writeLengthPrefixed(proof.first.encoded)
                body.writeLengthPrefixed(proof.second.encoded)
            }
        case .done(let done): done.write(to: &body)
        case .error(let error): error.write(to: &body)
        case .ack(let ack): ack.write(to: &body)
        }
        return body.bytes
    }

    /// The size of `encode()`, computed without encoding (the session counts bytes both ways with it).
    public var encodedSize: Int {
        let body: Int
        switch self {
        case .hello(let hello): body = hello.bodySize
        case .heads(let heads): body = heads.bodySize
        case .entries(let batch): body = batch.bodySize
        case .forks(let proofs):
            body = proofs.reduce(varintSize(proofs.count)) {
                $0 + lengthPrefixedSize($1.first.encoded.count) + lengthPrefixedSize($1.second.encoded.count)
            }
        case .done(let done): body = done.bodySize
        case .error(let error): body = error.bodySize
        case .ack(let ack): body = ack.bodySize
        }
        return SyncMessage.frameHeaderSize + body
    }
}

func varintSize(_ value: Int) -> Int { ByteWriter.varintSize(UInt64(value)) }
func varintSize(_ value: UInt64) -> Int { ByteWriter.varintSize(value) }
func lengthPrefixedSize(_ count: Int) -> Int { varintSize(count) + count }

/// HELLO: who I am and what I speak. Sent first by both sides, without waiting for the other.
public struct SyncHello: Sendable, Hashable {
    /// The first four body bytes, "CSYN": a peer that is not speaking this protocol fails here, not later.
    public static let magic: [UInt8] = Array("CSYN".utf8)
    /// Feature bit 1: the sender answers the peer's DONE with ACK once it has stored what arrived, and waits for
    /// the peer's ACK before it closes (Protocol/sync.md §ACK).
    public static let acknowledgementsFeature: UInt64 = 1

    public var minVersion: UInt16
    public var maxVersion: UInt16
    /// Hash of the sender's roster (`Roster.hash`); a difference is warned about on both sides.
    public var rosterHash: Bytes32
    /// Feature bits (`acknowledgementsFeature`). A receiver ignores bits it does not know; the session uses the
    /// intersection.
    public var features: UInt64
    /// The largest frame the sender accepts; the peer never sends it a bigger one.
    public var maxFrameBytes: UInt32
    /// The most entries per ENTRIES frame the sender accepts.
    public var maxEntriesPerBatch: UInt32
    /// The sender's node label (partner code and node name): display text only, never an identity (peers are
    /// named by their pinned key); shown through `displayLabel`.
    public var label: String

    public init(
        minVersion: UInt16,
        maxVersion: UInt16,
        rosterHash: Bytes32,
        features: UInt64,
        maxFrameBytes: UInt32,
        maxEntriesPerBatch: UInt32,
        label: String
    ) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.rosterHash = rosterHash
        self.features = features
        self.maxFrameBytes = maxFrameBytes
        self.maxEntriesPerBatch = maxEntriesPerBatch
        self.label = label
    }

    func write(to writer: inout ByteWriter) {
        writer.writeBytes(SyncHello.magic)
        writer.writeVarint(UInt64(minVersion))
        writer.writeVarint(UInt64(maxVersion))
        writer.writeBytes(rosterHash.bytes)
        writer.writeVarint(features)
        writer.writeVarint(UInt64(maxFrameBytes))
        writer.writeVarint(UInt64(maxEntriesPerBatch))
        writer.writeString(label)
    }

    var bodySize: Int {
        4 + varintSize(UInt64(minVersion)) + varintSize(UInt64(maxVersion)) + 32 + varintSize(features)
            + varintSize(UInt64(maxFrameBytes)) + varintSize(UInt64(maxEntriesPerBatch))
            + lengthPrefixedSize(label.utf8.count)
    }
}

/// A claim "I hold a fork proof for this author at this seq", so the peer sends only proofs that are new to me,
/// and — when the proof's two entries name different prevs, so the chains parted lower — entries from below it
/// that let me prove the fork where it began.
public struct ForkClaim: Sendable, Hashable {
    public var author: AuthorKey
    public var seq: UInt64
    /// The proof's two entries have different prevs: the fork began below `seq`.
    public var deeper: Bool

    public init(author: AuthorKey, seq: UInt64, deeper: Bool = false) {
        self.author = author
        self.seq = seq
        self.deeper = deeper
    }

    /// The claim a proof supports.
    public init(_ proof: ForkProof) {
        self.init(author: proof.author, seq: proof.seq, deeper: proof.first.prev != proof.second.prev)
    }

    /// Flag bits on the wire.
    static let deeperFlag: UInt8 = 0x01
}

/// HEADS: every author the sender accepts entries of (its known authors, sorted by key), each with the
/// sender's head (seq 0 when it holds none), and the fork proofs it holds. Listing an author is also how a
/// node says "my roster has this key": the peer sends entries only of listed authors, and refers to them by
/// their index in this list.
public struct SyncHeads: Sendable, Hashable {
    /// Strictly ascending by author. A head with seq 0 has a zero id (not sent on the wire).
    public var heads: [Head]
    /// Strictly ascending by author; one claim per author (its lowest proven seq).
    public var forkClaims: [ForkClaim]

    public init(heads: [Head], forkClaims: [ForkClaim] = []) {
        self.heads = heads
        self.forkClaims = forkClaims
    }

    func write(to writer: inout ByteWriter) {
        writer.writeVarint(heads.count)
        for head in heads {
            writer.writeBytes(head.author.bytes)
            writer.writeVarint(head.seq)
            if head.seq > 0 { writer.writeBytes(head.id.bytes) }
        }
        writer.writeVarint(forkClaims.count)
        for claim in forkClaims {
            writer.writeBytes(claim.author.bytes)
            writer.writeVarint(claim.seq)
            writer.writeUInt8(claim.deeper ? ForkClaim.deeperFlag : 0)
        }
    }

    var bodySize: Int {
        heads.reduce(varintSize(heads.count)) { $0 + 32 + varintSize($1.seq) + ($1.seq > 0 ? 32 : 0) }
            + forkClaims.reduce(varintSize(forkClaims.count)) { $0 + 32 + varintSize($1.seq) + 1 }
    }
}

/// DONE: the sender has nothing more to send in this session. Its counts let the receiver check that nothing
/// was lost or added on the way.
public struct SyncDone: Sendable, Hashable {
    public var entriesSent: UInt64
    public var forkProofsSent: UInt64

    public init(entriesSent: UInt64, forkProofsSent: UInt64) {
        self.entriesSent = entriesSent
        self.forkProofsSent = forkProofsSent
    }

    func write(to writer: inout ByteWriter) {
        writer.writeVarint(entriesSent)
        writer.writeVarint(forkProofsSent)
    }

    var bodySize: Int { varintSize(entriesSent) + varintSize(forkProofsSent) }
}

/// ERROR: the sender ends the session, saying why. The code is a number so that a newer peer's codes still
/// decode; `knownCode` maps it when this version knows it.
public struct SyncErrorMessage: Sendable, Hashable {
    public var code: UInt16
    public var text: String

    public init(code: UInt16, text: String) {
        self.code = code
        self.text = text
    }

    /// The frame sent for a local error: its wire code, and its reason cut to the text limit.
    public init(_ error: SyncError) {
        code = error.code.isSentOnWire ? error.code.rawValue : SyncError.Code.internalError.rawValue
        var text = error.context.map { "\($0): \(error.reason)" } ?? error.reason
        while text.utf8.count > SyncLimits.maxErrorTextBytes { text.removeLast() }
        self.text = text
    }

    public var knownCode: SyncError.Code? { SyncError.Code(rawValue: code).flatMap { $0.isSentOnWire ? $0 : nil } }

    func write(to writer: inout ByteWriter) {
        writer.writeVarint(UInt64(code))
        writer.writeString(text)
    }

    var bodySize: Int { varintSize(UInt64(code)) + lengthPrefixedSize(text.utf8.count) }
}

extension SyncHello {
    /// A peer's label made safe to print: control and format characters (newlines, escapes, bidirectional
    /// overrides) dropped, at most `SyncLimits.maxLabelBytes` UTF-8 bytes (the decoder refuses longer ones).
    public static func displayLabel(_ label: String) -> String {
        var clean = String.UnicodeScalarView()
        for scalar in label.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: continue
            default: clean.append(scalar)
            }
        }
        var text = String(clean)
        while text.utf8.count > SyncLimits.maxLabelBytes { text.removeLast() }
        return text
    }
}
