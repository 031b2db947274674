import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The reader must refuse hostile input with an error, never trap, never allocate by an untrusted length.
@Suite struct ByteReaderTests {
    @Test func fixedWidthFieldsAreBigEndianAndBoundsChecked() throws {
        var writer = ByteWriter()
        writer.writeUInt8(0x01)
        writer.writeUInt16(0x0203)
        writer.writeUInt32(0x0405_0607)
        writer.writeUInt64(0x0809_0a0b_0c0d_0e0f)
        #expect(writer.bytes == Array(1...15))
        var reader = ByteReader(writer.bytes)
        let byte = try reader.readUInt8("a")
        #expect(byte == 0x01)
        let word16 = try reader.readUInt16("b")
        #expect(word16 == 0x0203)
        let word32 = try reader.readUInt32("c")
        #expect(word32 == 0x0405_0607)
        let word64 = try reader.readUInt64("d")
        #expect(word64 == 0x0809_0a0b_0c0d_0e0f)
        #expect(throws: WireError.self) { try reader.readUInt8("e") }

        for width in [2, 4, 8] {
            var short = ByteReader([UInt8](repeating: 0, count: width - 1))
            do {
                switch width {
                case 2: _ = try short.readUInt16("x")
                case 4: _ = try short.readUInt32("x")
                default: _ = try short.readUInt64("x")
                }
                Issue.record("read \(width) bytes from \(width - 1)")
            } catch {
                #expect(error.code == .truncated)
                #expect(short.offset == 0, "a failed read consumes nothing")
            }
        }
    }

    @Test func aHugeLengthPrefixIsRefusedBeforeAnyAllocation() {
        var writer = ByteWriter()
        writer.writeVarint(UInt64(1) << 40)
        var reader = ByteReader(writer.bytes + [1, 2, 3])
        let expected = WireError(
            .overLimit,
            "value 1099511627776 is over the limit 100",
            offset: 0,
            context: "blob.length"
        )
        #expect(throws: expected) {
            try reader.readLengthPrefixed("blob", limit: 100)
        }
        var withinLimit = ByteReader([0x05, 1, 2])
        do {
            _ = try withinLimit.readLengthPrefixed("blob", limit: 100)
            Issue.record("read 5 bytes from 2")
        } catch {
            #expect(error.code == .truncated)
        }
        var negative = ByteReader([1, 2, 3])
        #expect(throws: WireError.self) { try negative.readBytes("x", count: -1) }
        #expect(throws: WireError.self) { try negative.skipBytes("x", count: 4) }
    }

    @Test func stringsMustBeValidUTF8() throws {
        var writer = ByteWriter()
        writer.writeString("Kongsberg — Raufoss")
        writer.writeLengthPrefixed([0xC3, 0x28])
        var reader = ByteReader(writer.bytes)
        let text = try reader.readString("a", limit: 64)
        #expect(text == "Kongsberg — Raufoss")
        do {
            _ = try reader.readString("b", limit: 64)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.code == .invalidValue)
        }
    }

    @Test func expectEndReportsTrailingBytes() throws {
        var reader = ByteReader([1, 2, 3], context: "frame")
        _ = try reader.readUInt8("a")
        #expect(throws: WireError(.trailingBytes, "2 unexpected trailing byte(s)", offset: 1, context: "frame.end")) {
            try reader.expectEnd("end")
        }
    }

    @Test func aRangeReaderStopsAtItsEnd() throws {
        var reader = ByteReader([9, 1, 2, 9], range: 1..<3)
        let inRange = try reader.readUInt16("x")
        #expect(inRange == 0x0102)
        #expect(reader.isAtEnd)
        #expect(throws: WireError.self) { try reader.readUInt8("y") }
    }

    /// 10,000 seeded random inputs, some pure noise, some shaped like entries (version 1, a plausible seq and a
    /// short payload) so that decoding reaches the later fields. None may trap; all that decode are canonical.
    @Test func randomInputsNeverTrap() throws {
        var random = SplitMix64(seed: 0x5EED_CAB5)
        var outcomes: [WireError.Code?: Int] = [:]
        for round in 0..<10_000 {
            let input: [UInt8]
            if round % 2 == 0 {
                input = random.bytes(Int.random(in: 0...300, using: &random))
            } else {
                var shaped: [UInt8] = [1] + random.bytes(32) + [UInt8.random(in: 1...3, using: &random)]
                shaped += round % 4 == 1 ? [UInt8](repeating: 0, count: 32) : random.bytes(32)
                shaped += random.bytes(8) + random.bytes(Int.random(in: 0...12, using: &random))
                shaped += random.bytes(Int.random(in: 0...120, using: &random))
                input = shaped
            }
            do {
                let entry = try Entry(decoding: input)
                #expect(reencode(entry) == input)
                outcomes[nil, default: 0] += 1
            } catch {
                #expect(error.offset.map { $0 >= 0 && $0 <= input.count } ?? true)
                outcomes[error.code, default: 0] += 1
            }
        }
        #expect(outcomes.keys.count >= 4, "the inputs reach several different refusals: \(outcomes)")
    }

    /// Every proper prefix of every valid vector (including the 65,690-byte one, read in place) is `truncated`.
    @Test(arguments: EntryVectorTests.validNames)
    func everyTruncationOfAValidEntryIsTruncated(_ name: String) throws {
        let encoded = try bytes(Repository.loadVector(EntryVector.self, "entry", name).encoded, "encoded")
        for cut in 0..<encoded.count {
            var reader = ByteReader(encoded, range: 0..<cut, context: "entry")
            do {
                _ = try Entry(reading: &reader, whole: true)
                Issue.record("a \(cut)-byte prefix decoded")
            } catch {
                if error.code != .truncated { Issue.record("cut at \(cut): \(error)") }
            }
        }
    }
}
