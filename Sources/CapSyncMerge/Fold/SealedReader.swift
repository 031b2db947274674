public import CapSyncCrypto
internal import CapSyncWire

/// Who folds sealed entries (kind 18) and which ones (Protocol/releasability.md §5). A fold without a reader —
/// the coalition state every node compares — applies no sealed entry; a node's own views fold with its partner
/// and decryption keys, so they add the figures released to it, and nothing released to others.
public struct SealedReader: Sendable, Hashable {
    /// The reading node's partner code.
    public var partner: String
    /// Its X25519 decryption keys, current and retired.
    public var keys: [X25519PrivateKey]
    /// Only sealed entries with one of these labels (an audience digest); nil for every label it can open.
    public var labels: Set<[String]>?
    /// The content keys this reader has opened, to open the same entries again without the X25519 unwrap. Not
    /// part of equality: it changes how fast a fold is, never what it gives.
    public let openedKeys: OpenedKeyCache

    public init(
        partner: String,
        keys: [X25519PrivateKey],
        labels: Set<[String]>? = nil,
        openedKeys: OpenedKeyCache = OpenedKeyCache()
    ) {
        self.partner = partner
        self.keys = keys
        self.labels = labels
        self.openedKeys = openedKeys
    }

    /// The same reader restricted to one audience, sharing its opened keys (so the folds of several audiences
    /// open each entry once).
    public func only(_ label: [String]) -> SealedReader {
        SealedReader(partner: partner, keys: keys, labels: [label], openedKeys: openedKeys)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.partner == b.partner && a.labels == b.labels
            && a.keys.map(\.publicKey) == b.keys.map(\.publicKey)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(partner)
        hasher.combine(labels)
        for key in keys { hasher.combine(key.publicKey) }
    }

    /// What a sealed entry gives this reader: its operation, or why it is left out.
    enum Outcome {
        case open(label: [String], kind: UInt64, payload: [UInt8])
        case closed(IgnoredReason, String)
    }

    /// Judges a sealed entry by `authorPartner`'s key; `reader` nil is the coalition-wide fold.
    static func judge(_ entry: Entry, authorPartner: String, reader: SealedReader?) -> Outcome {
        let sealed: SealedPayload
        do { sealed = try SealedPayload(decoding: entry.payload) } catch {
            return .closed(.malformedPayload, "a sealed entry that does not decode: \(error)")
        }
        guard sealed.label.contains(authorPartner) else {
            return .closed(.malformedPayload, "a sealed entry whose label (\(sealed.labelText)) leaves out its author")
        }
        let only = "released to \(sealed.labelText) only"
        guard let reader else { return .closed(.sealed, only) }
        if let labels = reader.labels, !labels.contains(sealed.label) {
            return .closed(.sealed, "\(only); another audience")
        }
        if let opened = reader.openWithKeptKey(sealed, entry: entry) {
            return .open(label: sealed.label, kind: opened.kind, payload: opened.payload)
        }
        do {
            let opened = try SealedEnvelope.open(
                sealed,
                partner: reader.partner,
                keys: reader.keys,
                author: entry.author
            )
            reader.openedKeys.record(Bytes32(opened.contentKey), for: entry.id)
            return .open(label: sealed.label, kind: opened.kind, payload: opened.payload)
        } catch {
            if error.code == .notInAudience { return .closed(.sealed, only) }
            return .closed(.sealed, "\(only); this node cannot open it: \(error)")
        }
    }

    /// Opens `sealed` with the content key kept for `entry`, when this reader could open it in full: its partner
    /// is in the label and it holds the key the partner's wrap names (so a kept key never opens more than the
    /// keys held would). A kept key that fails the commitment or the AEAD is dropped, and nil sends the caller to
    /// the full open.
    private func openWithKeptKey(_ sealed: SealedPayload, entry: Entry) -> SealedEnvelope.Opened? {
        guard let key = openedKeys.contentKey(for: entry.id),
            let index = sealed.label.firstIndex(of: partner),
            keys.contains(where: { $0.publicKey.rawBytes == sealed.wraps[index].recipient })
        else { return nil }
        do {
            let opened = try SealedEnvelope.open(sealed, contentKey: key.bytes, author: entry.author)
            openedKeys.noteReused()
            return opened
        } catch {
            openedKeys.forget(entry.id)
            return nil
        }
    }
}
