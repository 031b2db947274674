/// The 4-byte big-endian length prefix of every frame (Protocol/sync.md §Frames): the one parser of it, used by
/// the `FrameDecoder` and by the shell's frame timer (`FrameBoundaryTracker`).
public enum FramePrefix {
    public static let size = 4

    /// The length a prefix announces (type byte + body). `bytes` holds exactly the 4 prefix bytes.
    public static func length(_ bytes: some Collection<UInt8>) -> UInt32 {
        precondition(bytes.count == size)
        return bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

/// Follows frame boundaries in a byte stream by their length prefixes, without keeping any frame bytes: just
/// enough for the shell to know whether a frame is in progress (its frame timer). The session's `FrameDecoder`
/// checks the frames themselves.
public struct FrameBoundaryTracker: Sendable {
    /// Prefix bytes seen so far of the frame now starting.
    private var prefix: [UInt8] = []
    /// Bytes of the current frame's type and body still to come.
    private var remaining: UInt64 = 0

    public init() {}

    /// True when part of a frame (some of its prefix, or its prefix but not all of its body) has arrived.
    public var isInFrame: Bool { !prefix.isEmpty || remaining > 0 }

    /// Consumes bytes; returns whether at least one frame ended in them.
    public mutating func consume(_ bytes: some Collection<UInt8>) -> Bool {
        var completed = false
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if remaining > 0 {
                let available = UInt64(bytes.distance(from: index, to: bytes.endIndex))
                let taken = min(available, remaining)
                remaining -= taken
                index = bytes.index(index, offsetBy: Int(taken))
                if remaining == 0 { completed = true }
                continue
            }
            prefix.append(bytes[index])
            index = bytes.index(after: index)
            if prefix.count == FramePrefix.size {
                remaining = UInt64(FramePrefix.length(prefix))
                if remaining == 0 { completed = true }  // malformed (length 0): the decoder refuses it
                prefix.removeAll(keepingCapacity: true)
            }
        }
        return completed
    }
}
