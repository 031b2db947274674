/// The fold's own hash for its internal tables (interned strings, author keys): a multiply-mix in
/// the style of wyhash, keyed by a per-process random seed taken from `Hasher`. Several times cheaper than
/// `Hasher` on the fold's short keys, and still seeded, so a partner cannot pick codes that collide on every
/// node. Never part of any output: table order is never observed (the fold sorts by rank).
enum SeededHash {
    /// Random per process (derived from Hasher's own random seed).
    static let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0x5eed_f01d as UInt64)
        return UInt64(bitPattern: Int64(hasher.finalize())) ^ 0xa076_1d64_78bd_642f
    }()

    private static let p0: UInt64 = 0xa076_1d64_78bd_642f
    private static let p1: UInt64 = 0xe703_7ed1_a0b4_28db
    private static let p2: UInt64 = 0x8ebc_6af0_9c88_c6e3

    /// Folds a 128-bit product: the mixing step.
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Hash of two words (author keys).
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64) -> UInt64 {
        mix(mix(a ^ p0, b ^ seed) ^ p1, seed ^ p2)
    }

    /// Hash of a byte string (codes and site names: short, usually 16 bytes or fewer).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        let count = raw.count
        var state = seed ^ mix(UInt64(count) ^ p0, p1)
        var offset = 0
        while count - offset > 16 {
            let a = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
            state = mix(a ^ p1, b ^ state)
            offset += 16
        }
        var a: UInt64 = 0
        var b: UInt64 = 0
        let rest = count - offset
        if rest >= 8 {
            a = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            b = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            for index in 0..<rest { a |= UInt64(raw[offset + index]) << (8 * UInt64(index)) }
        }
        return mix(mix(a ^ p1, b ^ state) ^ p2, UInt64(count) ^ p0)
    }
}
