import CapSyncSync
import Testing

/// The frame limit follows frame boundaries by the length prefixes alone: however the stream is cut into reads,
/// it must see the same frame ends.
@Suite struct FrameBoundaryTrackerTests {
    /// Three frames: type-only, a 300-byte body, and a 5-byte body.
    static let stream: [UInt8] = {
        func frame(_ bodyCount: Int) -> [UInt8] {
            let length = UInt32(1 + bodyCount)
            return [
                UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0x03,
            ]
                + [UInt8](repeating: 0xab, count: bodyCount)
        }
        return frame(0) + frame(300) + frame(5)
    }()
    static let frameEnds: Set<Int> = [5, 5 + 305, 5 + 305 + 10]

    @Test func everyCutPointGivesTheSameFrameEnds() {
        for cut in 1...Self.stream.count {
            var tracker = FrameBoundaryTracker()
            var index = 0
            while index < Self.stream.count {
                let end = min(index + cut, Self.stream.count)
                let completed = tracker.consume(Self.stream[index..<end])
                let endsInside = Self.frameEnds.contains { $0 > index && $0 <= end }
                #expect(completed == endsInside, "cut \(cut), bytes \(index)..<\(end)")
                index = end
                #expect(tracker.isInFrame == !Self.frameEnds.contains(index), "cut \(cut), after byte \(index)")
            }
        }
    }

    @Test func aPartialPrefixIsAFrameInProgress() {
        var tracker = FrameBoundaryTracker()
        #expect(!tracker.isInFrame)
        let first = tracker.consume([0x00, 0x00])
        #expect(!first && tracker.isInFrame)
        let second = tracker.consume([0x00, 0x02, 0x03])
        #expect(!second && tracker.isInFrame)
        let third = tracker.consume([0x01])
        #expect(third && !tracker.isInFrame)
    }
}
