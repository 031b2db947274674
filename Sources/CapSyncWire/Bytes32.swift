public import CapSyncCrypto

/// 32 bytes held inline (no heap), hashed and compared fast: entry ids and author keys are map keys
/// on every hot path (ingest, heads, the fold).
public struct Bytes32: Sendable, Hashable, Comparable, CustomStringConvertible {
    // Big-endian words: comparing the words compares the bytes lexicographically.
    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Bytes32(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// From exactly 32 bytes starting at `start`; the caller has bounds-checked.
    public init(_ bytes: [UInt8], at start: Int = 0) {
        precondition(start >= 0 && bytes.count - start >= 32)
        // Four unaligned big-endian loads (opening a store reads three of these per entry record).
        self = bytes.withUnsafeBytes { raw in
            func word(_ i: Int) -> UInt64 {
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: start + i * 8, as: UInt64.self))
            }
            return Bytes32(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
        }
    }

    public init?(checking bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        guard array.count == 32 else { return nil }
        self.init(array)
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: w >> UInt64(shift)))
            }
        }
        return out
    }

    public var isZero: Bool { self == .zero }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public init?(hex: some StringProtocol) {
        guard let raw = Hex.decode(hex), raw.count == 32 else { return nil }
        self.init(raw)
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }
}

/// SHA-256 of an entry's canonical encoding.
public typealias EntryID = Bytes32
/// The raw Ed25519 public key of a signing key: an author of a chain.
public typealias AuthorKey = Bytes32

extension Bytes32 {
    /// The author key as an OpenSSL-backed key for verifying.
    public func publicKey() throws(CryptoError) -> Ed25519PublicKey { try Ed25519PublicKey(rawBytes: bytes) }

    public init(_ key: Ed25519PublicKey) { self.init(key.rawBytes) }

    /// Short form for tables and logs: the first 8 bytes as hex.
    public var short: String { String(hex.prefix(16)) }
}
