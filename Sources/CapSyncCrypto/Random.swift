internal import COpenSSL

/// Bytes from OpenSSL's CSPRNG (serials, nonces, jitter seeds). Never used where tests need determinism.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        guard RAND_bytes(&out, Int32(count)) == 1 else { fatalError("RAND_bytes failed: \(OpenSSLErrorQueue.drain())") }
        return out
    }
}
