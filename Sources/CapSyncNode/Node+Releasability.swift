public import CapSyncCrypto
public import CapSyncMerge
public import CapSyncWire

/// Releasing figures to named partners only (Protocol/releasability.md): appending sealed entries, this node's
/// own view (the coalition-wide entries plus the sealed ones it can open), and the audiences' digests.
extension Node {
    /// This node as a reader of sealed entries, or nil when it holds no decryption key. Every reader of one `Node`
    /// shares the content keys opened so far, read from the node's file of opened keys (Protocol/releasability.md
    /// §9) the first time.
    public func sealedReader() throws(NodeError) -> SealedReader? {
        let keys = try encryptionKeys()
        guard !keys.isEmpty else { return nil }
        return SealedReader(partner: config.partner, keys: keys, openedKeys: openedKeys().cache)
    }

    /// Adds the content keys folds opened since the last save to the node's file of opened keys, in one write.
    /// Best effort: a node directory that cannot be written keeps them in memory only, without an error (they
    /// only save time). `coalitionState(asOf:reader:)` calls it after each fold.
    public func saveOpenedKeys() {
        openedKeyFile.withLock { $0 }?.persist()
    }

    /// The node's file of opened keys, read on first use.
    func openedKeys() -> OpenedKeyFile {
        openedKeyFile.withLock { file in
            if let file { return file }
            let loaded = OpenedKeyFile(path: paths.openedContentKeys)
            file = loaded
            return loaded
        }
    }

    /// This node's own view: the coalition state plus the sealed entries released to this partner.
    public func viewState(asOf: HLCTimestamp? = nil) throws(NodeError) -> CoalitionState {
        try coalitionState(asOf: asOf, reader: try sealedReader())
    }

    /// Appends `operations` sealed for `releaseTo` and this partner (the label), wrapped to the encryption keys
    /// of the roster head. Refuses a partner that is not active or has no encryption key. `coalitionWide`
    /// operations are appended first in the same batch (an aggregate release, §6: the sealed exact figures then
    /// carry the later stamps, so the audience's views take them).
    public func appendReleased(
        _ operations: [CapSyncMerge.Operation],
        releaseTo partners: [String],
        alongside coalitionWide: [CapSyncMerge.Operation] = [],
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> [Entry] {
        guard let inForce = encryptionKeysInForce else {
            throw NodeError(
                .roster,
                "releasing to named partners needs the roster chain (their encryption keys are in it)",
                hint: "start one: capsync roster propose genesis --threshold 2/3"
            )
        }
        let label = Set(partners + [config.partner])
        var recipients: [String: X25519PublicKey] = [:]
        for partner in label.sorted() {
            guard roster.partners.contains(partner) else {
                throw NodeError(.usage, "--release-to names \(partner), which is not a partner in the roster")
            }
            guard rosterStatus.chain?.head.state.partnerActive[partner] == true else {
                throw NodeError(.usage, "--release-to names \(partner), which was removed from the roster")
            }
            guard let key = inForce.keys[partner] else {
                throw NodeError(
                    .roster,
                    "\(partner) has no encryption key in roster version \(inForce.serial), so nothing can be "
                        + "released to it",
                    hint: partner == config.partner
                        ? "propose this node's key: capsync roster propose encryption-key"
                        : "\(partner) proposes its key with capsync roster propose encryption-key"
                )
            }
            recipients[partner] = key
        }
        let author = AuthorKey(signingKey.publicKey)
        var sealed: [CapSyncMerge.Operation] = []
        var payloads: [[UInt8]] = []
        for operation in operations {
            do {
                let payload = try SealedEnvelope.seal(
                    kind: operation.kind.rawValue,
                    payload: operation.payload(),
                    recipients: recipients,
                    rosterSerial: inForce.serial,
                    author: author
                )
                payloads.append(payload.encoded)
                sealed.append(operation)
            } catch { throw NodeError(.usage, "cannot seal the \(operation.kind.name): \(error)") }
        }
        return try appendRaw(
            coalitionWide + sealed,
            as: coalitionWide.map { (kind: $0.kind.rawValue, payload: $0.payload()) }
                + payloads.map { (kind: SealedPayload.kind, payload: $0) },
            signingKey: signingKey
        )
    }

    /// The labels of the sealed entries this node holds that name its partner, each with its audience digest
    /// (the state digest of the coalition-wide entries plus that audience's entries), sorted by label; as of a
    /// past time with `asOf`, as the coalition digest is.
    public func audienceDigests(
        asOf: HLCTimestamp? = nil
    ) throws(NodeError) -> [(label: [String], digest: Bytes32, entries: Int)] {
        var counts: [[String]: Int] = [:]
        do {
            try store.forEachEntry { entry in
                guard entry.kind == SealedPayload.kind, asOf.map({ entry.timestamp <= $0 }) ?? true,
                    let sealed = try? SealedPayload(decoding: entry.payload),
                    sealed.label.contains(config.partner)
                else { return }
                counts[sealed.label, default: 0] += 1
            }
        } catch { throw NodeError(.store, "\(error)", context: store.directory) }
        guard let reader = try sealedReader() else {
            return []
        }
        var result: [(label: [String], digest: Bytes32, entries: Int)] = []
        for label in counts.keys.sorted(by: { $0.joined(separator: ",") < $1.joined(separator: ",") }) {
            let state = try coalitionState(asOf: asOf, reader: reader.only(label))
            result.append((label, state.digest, counts[label]!))
        }
        return result
    }
}
