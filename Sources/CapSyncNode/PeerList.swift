public import CapSyncWire
internal import Foundation
internal import TOMLKit

/// `peers.toml`: whom this node dials and where. Local configuration, separate from the shared roster: a
/// node need not dial every partner, and addresses are nobody else's business.
public struct PeerList: Sendable, Equatable {
    public struct Peer: Sendable, Equatable {
        /// The peer's partner code (must be in the roster).
        public var partner: String
        public var address: String
        /// The peer's signing key: when dialing, only this key is accepted (docs/design.md D4).
        public var key: AuthorKey

        public init(partner: String, address: String, key: AuthorKey) {
            self.partner = partner
            self.address = address
            self.key = key
        }

        /// A short name for logs and summaries.
        public var name: String { "\(partner)@\(address)" }
        /// The row this peer's sync results are kept under: its pinned identity, whatever address or label.
        public var pinned: PinnedPeer { PinnedPeer(partner: partner, key: key) }
    }

    public private(set) var peers: [Peer]

    public init(peers: [Peer] = []) { self.peers = peers }

    private struct File: Codable {
        var peer: [Entry]?
        struct Entry: Codable {
            var partner: String
            var address: String
            var key: String
        }
    }

    public init(toml: String, path: String = "peers.toml") throws(NodeError) {
        if let reason = TOMLGuard.abortingSyntax(toml) {
            throw NodeError(.peers, "TOML syntax error: \(reason)", context: path)
        }
        let file: File
        do {
            file = try TOMLDecoder(strictDecoding: true).decode(File.self, from: toml)
        } catch let error as TOMLParseError {
            throw NodeError(
                .peers,
                "TOML syntax error: \(error.description) at line \(error.source.begin.line)",
                context: path
            )
        } catch let error as DecodingError {
            throw NodeError(.peers, NodeConfig.describe(error), context: path)
        } catch {
            throw NodeError(.peers, "\(error)", context: path)
        }
        var list = PeerList()
        for (index, entry) in (file.peer ?? []).enumerated() {
            guard let raw = Ed25519Base64.decode(entry.key) else {
                throw NodeError(
                    .peers,
                    "peer \(index + 1) (\(entry.partner)): key is not a base64 Ed25519 key",
                    context: path
                )
            }
            do {
                try list.add(Peer(partner: entry.partner, address: entry.address, key: AuthorKey(raw)))
            } catch { throw NodeError(.peers, "peer \(index + 1): \(error.reason)", context: path) }
        }
        self = list
    }

    public mutating func add(_ peer: Peer) throws(NodeError) {
        do { try Roster.validatePartnerCode(peer.partner) } catch { throw NodeError(.peers, error.reason) }
        _ = try HostPort(peer.address)
        guard !peers.contains(where: { $0.address == peer.address }) else {
            throw NodeError(
                .peers,
                "a peer at \(peer.address) is already listed",
                hint: "remove it first: capsync peers remove \(peer.address)"
            )
        }
        peers.append(peer)
    }

    /// Removes peers matching a partner code or an address; returns how many were removed.
    @discardableResult
    public mutating func remove(_ partnerOrAddress: String) -> Int {
        let before = peers.count
        peers.removeAll { $0.partner == partnerOrAddress || $0.address == partnerOrAddress }
        return before - peers.count
    }

    public var tomlText: String {
        var text = "# Peers this node dials for sync. Each key is the peer's signing key; only it is accepted.\n"
        for peer in peers {
            text +=
                "\n[[peer]]\npartner = \"\(peer.partner)\"\naddress = \"\(peer.address)\"\nkey = \"\(Ed25519Base64.encode(peer.key.bytes))\"\n"
        }
        return text
    }
}
