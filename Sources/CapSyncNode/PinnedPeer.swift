public import CapSyncWire

/// A peer as the pin proved it: its roster partner code and signing key. How peers are named in status rows,
/// logs and warnings; the label a peer sends in HELLO is display text shown beside it, never a key.
public struct PinnedPeer: Sendable, Hashable, CustomStringConvertible {
    public var partner: String?
    public var key: AuthorKey

    public init(partner: String?, key: AuthorKey) {
        self.partner = partner
        self.key = key
    }

    /// "NL 3f9a…" (partner code and the key's first 8 bytes in hex): one status row per pinned peer.
    public var name: String { "\(partner ?? "(not in roster)") \(key.short)" }
    public var description: String { name }
}
