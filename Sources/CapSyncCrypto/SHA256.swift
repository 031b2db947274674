internal import COpenSSL
public import Foundation

/// SHA-256 from the system OpenSSL: entry ids, roster hashes, state digests and fingerprints.
public struct SHA256: ~Copyable {
    public static let byteCount = 32

    private let context: OpaquePointer

    /// Starts a streaming hash.
    public init() {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        OpenSSLErrorQueue.clear()
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed: \(OpenSSLErrorQueue.drain())")
        }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { raw in
            if raw.count > 0 { _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) }
    }

    /// Ends the hash and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        return out
    }

    /// One-shot digest.
    public static func hash(_ bytes: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                _ = COpenSSL.SHA256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, dst.baseAddress)
            }
        }
        return out
    }
}
