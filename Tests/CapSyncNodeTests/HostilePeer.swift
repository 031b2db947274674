import CapSyncCrypto
import CapSyncSync
import CapSyncTLS
import CapSyncWire
import NIOCore
import NIOPosix

/// A roster member that speaks raw bytes over a real mutual-TLS connection: it passes the pin like any partner,
/// then writes whatever frames a test crafts (well formed or not) and reads what the node answers.
final class HostilePeer: @unchecked Sendable {  // used by one test task at a time
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var decoder = FrameDecoder()
    /// The node's HELLO and HEADS, once `readHandshake` has run.
    private(set) var nodeHeads: SyncHeads?

    private init(
        channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Dials the node as `partner`, pinning the node's signing key, and runs `body` over the connection; the
    /// connection is closed when `body` returns (or earlier, by `close()`).
    static func session<Result: Sendable>(
        port: Int,
        as partner: TestPartner,
        trusted: [Ed25519PublicKey],
        node: Ed25519PublicKey,
        _ body: (HostilePeer) async throws -> Result
    ) async throws -> Result {
        let tls = try TLSContext(
            configuration: .client(
                privateKey: partner.tlsKey,
                certificate: partner.certificate,
                trustedSigningKeys: trusted,
                dialing: node
            )
        )
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(HostilePeer(channel: channel.channel, inbound: inbound, outbound: outbound))
        }
    }

    /// Writes bytes; false once the node has closed the connection (which it may do before taking all of them,
    /// when what came first already ended the session — the test judges the node by its outcome, not by this).
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
            return true
        } catch {
            return false
        }
    }

    @discardableResult
    func send(_ message: SyncMessage) async -> Bool { await send(message.encode()) }

    /// The node's next message; nil once the node closed the connection.
    func nextMessage() async throws -> SyncMessage? {
        while true {
            if let message = try decoder.next() { return message }
            guard let buffer = try await inbound.next() else { return nil }
            decoder.feed(buffer.readableBytesView)
        }
    }

    /// Reads the node's HELLO and HEADS (sent at once on connect).
    @discardableResult
    func readHandshake() async throws -> SyncHeads {
        guard case .hello? = try await nextMessage(), case .heads(let heads)? = try await nextMessage() else {
            throw HostileTestError("the node did not open with HELLO and HEADS")
        }
        nodeHeads = heads
        return heads
    }

    /// Reads the node's messages up to and including its DONE.
    func readUntilDone() async throws {
        while true {
            guard let message = try await nextMessage() else { throw HostileTestError("the node closed before DONE") }
            if case .done = message { return }
        }
    }

    /// Reads until the node closes the connection; returns what it sent (its entries, DONE or ERROR).
    @discardableResult
    func drainUntilClosed() async -> [SyncMessage] {
        var messages: [SyncMessage] = []
        while let message = try? await nextMessage() { messages.append(message) }
        return messages
    }

    func close() async { try? await channel.close() }

    /// This node's index of `author` in the node's HEADS (the author index an ENTRIES run names).
    func index(of author: AuthorKey) throws -> UInt32 {
        guard let heads = nodeHeads, let index = heads.heads.firstIndex(where: { $0.author == author }) else {
            throw HostileTestError("the node does not list \(author.short)")
        }
        return UInt32(index)
    }

    func nodeHead(of author: AuthorKey) -> Head? { nodeHeads?.heads.first { $0.author == author } }
}

struct HostileTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Frames a hostile peer sends, built field by field so they can be wrong in exactly one way.
enum Craft {
    static func hello(
        label: String = "EV",
        roster: Roster,
        minVersion: UInt16 = 1,
        maxVersion: UInt16 = 1,
        features: UInt64 = 0
    ) -> SyncMessage {
        .hello(
            SyncHello(
                minVersion: minVersion,
                maxVersion: maxVersion,
                rosterHash: roster.hash,
                features: features,
                maxFrameBytes: UInt32(SyncLimits.maximumFrameBytes),
                maxEntriesPerBatch: 4096,
                label: label
            )
        )
    }

    /// HEADS naming every roster author at the given heads (seq 0 for the others).
    static func heads(roster: Roster, _ held: [Head] = []) -> SyncMessage {
        let heads = roster.authorKeys.sorted().map { author in
            held.first { $0.author == author } ?? Head(author: author, seq: 0, id: .zero)
        }
        return .heads(SyncHeads(heads: heads))
    }

    /// One ENTRIES run holding `entries` (consecutive, one author) as the node's author `index`.
    static func run(_ entries: [Entry], index: UInt32, explicitPrev: Bool) -> CompactRun {
        let first = entries[0]
        return CompactRun(
            authorIndex: index,
            firstSeq: first.seq,
            prev: explicitPrev && first.seq > 1 ? first.prev : nil,
            entries: entries.map(CompactEntry.init)
        )
    }

    static func entries(_ runs: CompactRun...) -> SyncMessage { .entries(EntriesBatch(runs: runs)) }

    static func done(entries: Int, proofs: Int = 0) -> SyncMessage {
        .done(SyncDone(entriesSent: UInt64(entries), forkProofsSent: UInt64(proofs)))
    }

    /// An ACK that stored nothing: the fields a test then makes wrong one at a time.
    static func ack() -> SyncAck {
        SyncAck(
            entriesStored: 0,
            entriesAlreadyHeld: 0,
            entriesRefused: 0,
            forkProofsKept: 0,
            authorsHeld: 1,
            entriesHeld: 2
        )
    }

    /// `entry` with one bit of its signature flipped: same fields, no longer signed by its author.
    static func forged(_ entry: Entry) throws -> Entry {
        var bytes = entry.encoded
        bytes[bytes.count - 1] ^= 0x01
        return try Entry(decoding: bytes)
    }

    /// A raw frame: length prefix, type byte, body.
    static func frame(type: UInt8, body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type]
            + body
    }
}
