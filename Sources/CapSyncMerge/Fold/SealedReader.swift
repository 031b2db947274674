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

    public init(partner: String, keys: [X25519PrivateKey], labels: Set<[String]>? = nil) {
        self.partner = partner
        self.keys = keys
        self.labels = labels
    }

    /// The same reader restricted to one audience.
    public func only(_ label: [String]) -> SealedReader {
        SealedReader(partner: partner, keys: keys, labels: [label])
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
        do {
            let opened = try SealedEnvelope.open(
                sealed,
                partner: reader.partner,
                keys: reader.keys,
                author: entry.author
            )
            return .open(label: sealed.label, kind: opened.kind, payload: opened.payload)
        } catch {
            if error.code == .notInAudience { return .closed(.sealed, only) }
            return .closed(.sealed, "\(only); this node cannot open it: \(error)")
        }
    }
}
