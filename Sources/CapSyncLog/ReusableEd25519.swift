internal import COpenSSL
import CapSyncCrypto
import CapSyncWire

/// Ed25519 over one `EVP_MD_CTX` initialised once per key and reused for every message, as `openssl speed`
/// does. In OpenSSL 3, initialising a context (fetching the algorithm from the provider) costs about as much
/// as the signature itself, so the store's hot paths — signing a batch of own entries, verifying a run of one
/// author's entries — keep a context per key instead of going through the one-shot helpers.
/// Not thread-safe: one instance per thread.
final class ReusableEd25519Context {
    private let context: OpaquePointer

    /// A verifying context for `key`.
    init?(verifying key: Ed25519PublicKey) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        ERR_clear_error()
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.evpPKey) == 1 else {
            ERR_clear_error()
            EVP_MD_CTX_free(context)
            return nil
        }
        self.context = context
    }

    /// A signing context for `key`.
    init?(signing key: Ed25519PrivateKey) {
        guard let context = EVP_MD_CTX_new() else { return nil }
        ERR_clear_error()
        guard EVP_DigestSignInit(context, nil, nil, nil, key.evpPKey) == 1 else {
            ERR_clear_error()
            EVP_MD_CTX_free(context)
            return nil
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Checks an entry's signature over its signing message (domain ‖ unsigned bytes).
    func verify(_ entry: Entry) -> Bool {
        let message = entry.signingMessage
        let ok = entry.encoded.withUnsafeBufferPointer { encoded in
            message.withUnsafeBufferPointer { message in
                EVP_DigestVerify(
                    context, encoded.baseAddress! + (encoded.count - Entry.signatureSize), Entry.signatureSize,
                    message.baseAddress, message.count) == 1
            }
        }
        if !ok { ERR_clear_error() }
        return ok
    }

    /// The 64-byte signature of `message`.
    func sign(_ message: [UInt8]) -> [UInt8]? {
        var signature = [UInt8](repeating: 0, count: Entry.signatureSize)
        var length = Entry.signatureSize
        let ok = message.withUnsafeBufferPointer {
            EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) == 1
        }
        guard ok, length == Entry.signatureSize else {
            ERR_clear_error()
            return nil
        }
        return signature
    }

    /// Builds and signs an entry with this (signing) context. The layout is the canonical encoding of
    /// Protocol/entry.md, byte for byte what `Entry.sign` writes (a test holds the two identical); the result
    /// is decoded back through `Entry(decoding:)`, which checks every field.
    func signEntry(
        author: AuthorKey, seq: UInt64, prev: EntryID, timestamp: HLCTimestamp, kind: UInt64, payload: [UInt8]
    ) throws(WireError) -> Entry {
        guard seq >= 1, seq <= Entry.maxSeq, (seq == 1) == prev.isZero, timestamp.rawValue > 0, kind <= Entry.maxKind,
            payload.count <= Entry.maxPayloadSize
        else { throw WireError(.invalidValue, "entry fields out of range (seq \(seq), kind \(kind), payload \(payload.count) bytes)") }
        var writer = ByteWriter(capacity: 150 + payload.count + Entry.signingDomain.count)
        writer.writeBytes(Entry.signingDomain)
        writer.writeUInt8(Entry.currentVersion)
        writer.writeBytes(author.bytes)
        writer.writeVarint(seq)
        writer.writeBytes(prev.bytes)
        writer.writeUInt64(timestamp.rawValue)
        writer.writeVarint(kind)
        writer.writeLengthPrefixed(payload)
        let message = writer.bytes
        guard let signature = sign(message) else { throw WireError(.badSignature, "signing failed") }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(message.count - Entry.signingDomain.count + signature.count)
        encoded += message[Entry.signingDomain.count...]
        encoded += signature
        return try Entry(decoding: encoded)
    }
}
