/// Cuts a byte stream into frames and decodes them, never trusting the peer: the length prefix is checked
/// against `maxFrameBytes` as soon as its 4 bytes are in, before the body is buffered, and every count inside
/// a body is checked against `SyncLimits` before anything is allocated for it.
///
/// After the first error the decoder stays failed: the session ends, so later bytes mean nothing.
public struct FrameDecoder: Sendable {
    public let limits: SyncLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: SyncError?
    /// Bytes of every frame decoded so far (prefix included).
    public private(set) var bytesDecoded = 0

    public init(limits: SyncLimits = .default) { self.limits = limits }

    /// Bytes received but not yet decoded.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends bytes from the transport. Once a frame's length prefix is known to be too large (or the decoder
    /// has failed) nothing more is kept.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        guard failure == nil else { return }
        if readIndex > 0 && readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
        if let length = pendingLength(), let error = lengthError(length) {
            fail(error)
        }
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func next() throws(SyncError) -> SyncMessage? {
        if let failure { throw failure }
        guard let length = pendingLength() else { return nil }
        if let error = lengthError(length) {
            fail(error)
            throw error
        }
        let frameSize = 4 + Int(length)
        guard bufferedByteCount >= frameSize else { return nil }
        // The frame gets its own array, so slices kept by decoded entries do not pin the stream buffer.
        let frame = Array(buffer[(readIndex + 4)..<(readIndex + frameSize)])
        readIndex += frameSize
        do {
            let message = try SyncMessage.decode(type: frame[0], body: frame, range: 1..<frame.count, limits: limits)
            bytesDecoded += frameSize
            return message
        } catch {
            fail(error)
            throw error
        }
    }

    private func pendingLength() -> UInt32? {
        guard bufferedByteCount >= FramePrefix.size else { return nil }
        return FramePrefix.length(buffer[readIndex..<(readIndex + FramePrefix.size)])
    }

    private func lengthError(_ length: UInt32) -> SyncError? {
        if length == 0 {
            return SyncError(
                .malformedFrame,
                "a frame holds at least its type byte (length 0)",
                context: "frame.length"
            )
        }
        if UInt64(length) > UInt64(limits.maxFrameBytes) {
            return SyncError(
                .frameTooLarge,
                "frame of \(length) bytes is over the limit of \(limits.maxFrameBytes) bytes",
                context: "frame.length"
            )
        }
        return nil
    }

    private mutating func fail(_ error: SyncError) {
        failure = error
        buffer = []
        readIndex = 0
    }
}
