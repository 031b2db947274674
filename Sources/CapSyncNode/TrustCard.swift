public import CapSyncCrypto
public import CapSyncWire

/// A trust card: what a partner hands to the others out of band to be added to the roster and peer lists —
/// partner code, signing key, address — signed by that key as proof of possession. Text, so it can be pasted
/// into a mail or printed; the signature covers a canonical encoding (Protocol/cards.md).
public struct TrustCard: Sendable, Equatable {
    public var partner: String
    public var key: AuthorKey
    public var address: String
    public var signature: [UInt8]

    public static let header = "capsync-card v1"
    public static let domain: [UInt8] = Array("CAPSYNC-CARD-V1".utf8) + [0]
    public static let maxTextBytes = 4096

    /// Makes and signs a card.
    public init(partner: String, address: String, signingKey: Ed25519PrivateKey) throws(NodeError) {
        do { try Roster.validatePartnerCode(partner) } catch { throw NodeError(.card, error.reason) }
        self.partner = partner
        self.key = AuthorKey(signingKey.publicKey)
        self.address = address
        self.signature = []
        do { signature = try signingKey.signature(for: signedBytes) } catch {
            throw NodeError(.card, "cannot sign the card: \(error)")
        }
    }

    /// domain ‖ string(partner) ‖ key (32) ‖ string(address) — strings are varint length + UTF-8.
    public var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: 96)
        writer.writeBytes(Self.domain)
        writer.writeString(partner)
        writer.writeBytes(key.bytes)
        writer.writeString(address)
        return writer.bytes
    }

    public var isValid: Bool {
        guard let publicKey = try? key.publicKey() else { return false }
        return publicKey.isValidSignature(signature, for: signedBytes)
    }

    public var text: String {
        """
        \(Self.header)
        partner \(partner)
        key \(Ed25519Base64.encode(key.bytes))
        address \(address)
        fingerprint \(Fingerprint.of(key.bytes))
        signature \(Base64.encode(signature))

        """
    }

    /// Parses and verifies a card. A card whose signature does not verify is refused.
    public init(text: String, source: String = "card") throws(NodeError) {
        guard text.utf8.count <= Self.maxTextBytes else {
            throw NodeError(.card, "a card is at most \(Self.maxTextBytes) bytes", context: source)
        }
        var fields: [String: String] = [:]
        var sawHeader = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmed(of: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader {
                guard line == Self.header else {
                    throw NodeError(.card, "line \(index + 1): expected '\(Self.header)'", context: source)
                }
                sawHeader = true
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw NodeError(.card, "line \(index + 1): expected 'field value'", context: source)
            }
            guard ["partner", "key", "address", "fingerprint", "signature"].contains(parts[0]) else {
                throw NodeError(.card, "line \(index + 1): unknown field '\(parts[0])'", context: source)
            }
            guard fields[parts[0]] == nil else {
                throw NodeError(.card, "line \(index + 1): '\(parts[0])' given twice", context: source)
            }
            fields[parts[0]] = parts[1]
        }
        guard sawHeader else { throw NodeError(.card, "not a trust card (expected '\(Self.header)')", context: source) }
        for name in ["partner", "key", "address", "signature"] where fields[name] == nil {
            throw NodeError(.card, "missing field '\(name)'", context: source)
        }
        do { try Roster.validatePartnerCode(fields["partner"]!) } catch {
            throw NodeError(.card, error.reason, context: source)
        }
        guard let raw = Ed25519Base64.decode(fields["key"]!) else {
            throw NodeError(.card, "key is not a base64 Ed25519 key", context: source)
        }
        guard let signature = Base64.decode(fields["signature"]!), signature.count == 64 else {
            throw NodeError(.card, "signature is not a base64 64-byte Ed25519 signature", context: source)
        }
        _ = try HostPort(fields["address"]!)
        partner = fields["partner"]!
        key = AuthorKey(raw)
        address = fields["address"]!
        self.signature = signature
        if let fingerprint = fields["fingerprint"], fingerprint != Fingerprint.of(raw) {
            throw NodeError(.card, "fingerprint does not match the key", context: source)
        }
        guard isValid else {
            throw NodeError(
                .card,
                "the card's signature does not verify under its key: it was altered or forged",
                context: source
            )
        }
    }
}

extension String {
    func trimmed(of set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var view = Substring(self)
        while let first = view.unicodeScalars.first, scalars.contains(first) { view = view.dropFirst() }
        while let last = view.unicodeScalars.last, scalars.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
extension Substring {
    func trimmed(of set: String) -> String { String(self).trimmed(of: set) }
}
