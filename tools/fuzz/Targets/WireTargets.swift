import CapSyncMerge
import CapSyncWire

/// Entry and payload decoders (Protocol/entry.md, Protocol/payloads.md).
enum WireTargets {
    /// An entry that decodes must be exactly its input, its fields must re-encode to those bytes (so only the
    /// canonical form is accepted), and decoding them again gives the same fields.
    static func entry(_ bytes: [UInt8]) -> String? {
        guard let entry = try? Entry(decoding: bytes) else { return nil }
        guard entry.encoded == bytes else { return "decoded entry keeps other bytes than its input" }
        let rebuilt = canonicalBytes(of: entry)
        guard rebuilt == bytes else {
            return "accepted a non-canonical encoding: input \(hexPrefix(bytes)) re-encodes as \(hexPrefix(rebuilt))"
        }
        guard let again = try? Entry(decoding: rebuilt) else { return "re-encoded entry does not decode" }
        return sameFields(entry, again)
    }

    /// The canonical encoding built field by field, as `Entry.sign` writes it.
    static func canonicalBytes(of entry: Entry) -> [UInt8] {
        var writer = ByteWriter(capacity: entry.encoded.count)
        writer.writeUInt8(entry.version)
        writer.writeBytes(entry.author.bytes)
        writer.writeVarint(entry.seq)
        writer.writeBytes(entry.prev.bytes)
        writer.writeUInt64(entry.timestamp.rawValue)
        writer.writeVarint(entry.kind)
        writer.writeLengthPrefixed(entry.payload)
        writer.writeBytes(entry.signature)
        return writer.bytes
    }

    static func sameFields(_ a: Entry, _ b: Entry) -> String? {
        guard a.id == b.id, a.version == b.version, a.author == b.author, a.seq == b.seq, a.prev == b.prev,
            a.timestamp == b.timestamp, a.kind == b.kind, a.payload.elementsEqual(b.payload),
            a.signature.elementsEqual(b.signature), a.encoded == b.encoded
        else { return "entry fields differ after a round trip (seq \(a.seq) vs \(b.seq), kind \(a.kind) vs \(b.kind))" }
        return nil
    }

    /// A payload that decodes must be canonical (re-encodes to its input) and decode again to the same value.
    static func payload(_ bytes: [UInt8]) -> String? {
        guard let selector = bytes.first else { return nil }
        let kind = UInt64(selector % 16)
        let payload = Array(bytes.dropFirst())
        guard let operation = try? Operation(kind: kind, payload: payload) else { return nil }
        return operationRoundTrip(operation, input: payload)
    }

    static func operationRoundTrip(_ operation: Operation, input: [UInt8]?) -> String? {
        let encoded = operation.payload()
        if let input, encoded != input {
            return "\(operation.kind.name) accepted a non-canonical payload: \(hexPrefix(input)) re-encodes as "
                + hexPrefix(encoded)
        }
        guard let again = try? Operation(kind: operation.kind.rawValue, payload: encoded) else {
            return "\(operation.kind.name) re-encodes to a payload that does not decode: \(hexPrefix(encoded))"
        }
        guard again == operation else { return "\(operation.kind.name) decodes to another value after a round trip" }
        return nil
    }

    /// A roster version that decodes must be exactly its input, and rebuilding it from its fields (changes and
    /// approvals in reverse, so the canonical order is restored by the builder) must give the same bytes and hash.
    static func rosterVersion(_ bytes: [UInt8]) -> String? {
        guard let version = try? RosterVersion(decoding: bytes) else { return nil }
        guard version.encoded == bytes else {
            return
                "accepted a non-canonical roster version: \(hexPrefix(bytes)) re-encodes as \(hexPrefix(version.encoded))"
        }
        guard
            let rebuilt = try? RosterVersion(
                serial: version.serial,
                previous: version.previous,
                timestamp: version.timestamp,
                changes: version.changes.reversed(),
                approvals: version.approvals.reversed()
            )
        else { return "a decoded roster version cannot be rebuilt from its fields" }
        guard rebuilt.encoded == bytes, rebuilt.hash == version.hash, rebuilt == version else {
            return "roster version differs after a rebuild: \(hexPrefix(rebuilt.encoded))"
        }
        return nil
    }

    /// Kind 7 through its own decoder: what decodes must re-encode to the input and agree with `Operation`'s decoding.
    static func itemDefinition(_ bytes: [UInt8]) -> String? {
        guard let definition = try? ItemDefinition(decoding: bytes) else { return nil }
        if definition.encoded != bytes {
            return "accepted a non-canonical item definition: \(hexPrefix(bytes)) re-encodes as "
                + hexPrefix(definition.encoded)
        }
        guard case .itemDefinition(let again)? = try? Operation(kind: 7, payload: bytes), again == definition else {
            return "an item definition decodes differently as an operation of kind 7"
        }
        return nil
    }

    /// Kind 8 likewise; members must come out strictly ascending.
    static func itemGroup(_ bytes: [UInt8]) -> String? {
        guard let group = try? ItemGroup(decoding: bytes) else { return nil }
        if group.encoded != bytes {
            return "accepted a non-canonical item group: \(hexPrefix(bytes)) re-encodes as \(hexPrefix(group.encoded))"
        }
        if zip(group.members, group.members.dropFirst()).contains(where: {
            !$0.0.utf8.lexicographicallyPrecedes($0.1.utf8)
        }) {
            return "an item group decoded with members out of order or repeated"
        }
        guard case .itemGroup(let again)? = try? Operation(kind: 8, payload: bytes), again == group else {
            return "an item group decodes differently as an operation of kind 8"
        }
        return nil
    }

    static func rosterProposal(_ bytes: [UInt8]) -> String? {
        guard let version = try? RosterGovernance.proposal(fromPayload: bytes) else { return nil }
        guard version.body == bytes, RosterGovernance.proposalPayload(version) == bytes, version.approvals.isEmpty
        else {
            return
                "accepted a non-canonical roster proposal: \(hexPrefix(bytes)) re-encodes as \(hexPrefix(version.body))"
        }
        guard let decoded = try? RosterVersion(decoding: bytes + [0]), decoded.hash == version.hash else {
            return "a proposal's body does not decode as a version with no approvals"
        }
        return nil
    }

    static func rosterApproval(_ bytes: [UInt8]) -> String? {
        guard let approval = try? RosterGovernance.Approval(payload: bytes) else { return nil }
        guard approval.payload == bytes else {
            return
                "accepted a non-canonical roster approval: \(hexPrefix(bytes)) re-encodes as \(hexPrefix(approval.payload))"
        }
        return nil
    }

    /// A sealed payload: whatever decodes re-encodes to the same bytes, with one wrap per label partner and the
    /// label strictly ascending (what opening relies on to find a partner's wrap).
    static func decodesSealed(_ bytes: [UInt8]) -> Bool { (try? SealedPayload(decoding: bytes)) != nil }

    static func sealed(_ bytes: [UInt8]) -> String? {
        guard let sealed = try? SealedPayload(decoding: bytes) else { return nil }
        guard sealed.encoded == bytes else {
            return
                "accepted a non-canonical sealed payload: \(hexPrefix(bytes)) re-encodes as \(hexPrefix(sealed.encoded))"
        }
        guard sealed.wraps.count == sealed.label.count, Set(sealed.label).count == sealed.label.count else {
            return "a decoded sealed payload has \(sealed.wraps.count) wraps for \(sealed.label.count) partners"
        }
        guard
            sealed.clearPart.count + ByteWriter.varintSize(UInt64(sealed.ciphertext.count)) + sealed.ciphertext.count
                == bytes.count
        else { return "the clear part and the ciphertext do not add up to the payload" }
        return nil
    }
}
