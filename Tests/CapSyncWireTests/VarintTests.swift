import CapSyncTestSupport
import CapSyncWire
import Testing

/// Minimal unsigned LEB128 (Protocol/README.md, "Varints").
@Suite struct VarintTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let value: UInt64
        let bytes: [UInt8]
        var testDescription: String { "\(value)" }
    }

    static let cases: [Case] = [
        Case(value: 0, bytes: [0x00]),
        Case(value: 1, bytes: [0x01]),
        Case(value: 127, bytes: [0x7f]),
        Case(value: 128, bytes: [0x80, 0x01]),
        Case(value: 300, bytes: [0xac, 0x02]),
        Case(value: 16_383, bytes: [0xff, 0x7f]),
        Case(value: 16_384, bytes: [0x80, 0x80, 0x01]),
        Case(value: 65_536, bytes: [0x80, 0x80, 0x04]),
        Case(value: UInt64(UInt32.max), bytes: [0xff, 0xff, 0xff, 0xff, 0x0f]),
        Case(value: 1 << 62, bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]),
        Case(value: 1 << 63, bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        Case(value: .max, bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]

    @Test(arguments: cases)
    func encodesAndDecodesTheShortestForm(_ c: Case) throws {
        var writer = ByteWriter()
        writer.writeVarint(c.value)
        #expect(writer.bytes == c.bytes)
        #expect(ByteWriter.varintSize(c.value) == c.bytes.count)
        var reader = ByteReader(c.bytes)
        let decoded = try reader.readVarint("v")
        #expect(decoded == c.value)
        #expect(reader.isAtEnd)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let code: WireError.Code
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "empty input", bytes: [], code: .truncated),
        Refusal(name: "continuation then end", bytes: [0x80], code: .truncated),
        Refusal(name: "nine continuation bytes then end", bytes: [UInt8](repeating: 0xff, count: 9), code: .truncated),
        Refusal(name: "0 as 80 00", bytes: [0x80, 0x00], code: .nonMinimalVarint),
        Refusal(name: "127 as ff 00", bytes: [0xff, 0x00], code: .nonMinimalVarint),
        Refusal(name: "1 as 81 80 00", bytes: [0x81, 0x80, 0x00], code: .nonMinimalVarint),
        Refusal(
            name: "10 bytes ending in 00",
            bytes: [UInt8](repeating: 0x80, count: 9) + [0x00],
            code: .nonMinimalVarint
        ),
        Refusal(name: "10th byte 02", bytes: [UInt8](repeating: 0xff, count: 9) + [0x02], code: .varintOverflow),
        Refusal(name: "10th byte 7f", bytes: [UInt8](repeating: 0x80, count: 9) + [0x7f], code: .varintOverflow),
        Refusal(
            name: "10th byte 81 (an 11th would follow)",
            bytes: [UInt8](repeating: 0xff, count: 9) + [0x81, 0x00],
            code: .varintOverflow
        ),
        Refusal(name: "11 bytes", bytes: [UInt8](repeating: 0x80, count: 10) + [0x01], code: .varintOverflow),
        Refusal(name: "20 continuation bytes", bytes: [UInt8](repeating: 0xff, count: 20), code: .varintOverflow),
    ]

    @Test(arguments: refusals)
    func refusesMalformedVarints(_ r: Refusal) {
        var reader = ByteReader([0xEE] + r.bytes + [0x00], range: 1..<(r.bytes.count + 1), context: "test")
        do {
            let value = try reader.readVarint("v")
            Issue.record("accepted as \(value)")
        } catch {
            #expect(error.code == r.code)
            #expect(error.offset == 1, "errors point at the varint's first byte")
            #expect(error.context == "test.v")
        }
    }

    @Test func theLimitIsCheckedAfterTheValueIsComplete() throws {
        var reader = ByteReader([0x80, 0x01, 0xff, 0x7f])
        let atLimit = try reader.readVarint("a", max: 128)
        #expect(atLimit == 128)
        #expect(throws: WireError(.overLimit, "value 16383 is over the limit 16382", offset: 2, context: "b")) {
            try reader.readVarint("b", max: 16_382)
        }
    }

    @Test func seededRandomValuesRoundTrip() throws {
        var random = SplitMix64(seed: 42)
        var writer = ByteWriter()
        var values: [UInt64] = []
        for _ in 0..<10_000 {
            let bits = UInt64.random(in: 0...64, using: &random)
            let value = bits == 0 ? 0 : random.next() >> (64 - bits)
            values.append(value)
            writer.writeVarint(value)
        }
        var reader = ByteReader(writer.bytes)
        for value in values {
            let read = try reader.readVarint("v")
            #expect(read == value)
        }
        try reader.expectEnd("stream")
    }
}
