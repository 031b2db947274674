import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Testing

/// Payload encodings (Protocol/payloads.md): round trips, known bytes, and strict refusal of anything else.
@Suite struct PayloadTests {
    static let tag1 = EntryID(SHA256.hash([1]))
    static let tag2 = EntryID(SHA256.hash([2]))

    static let operations: [Operation] = [
        Sample.report("NO", site: "Raufoss", constraints: "energy prices\nsecond shift from 2027"),
        Sample.report(
            "PL",
            item: "CHIP-MCU",
            site: "Zakład Stalowa Wola",
            capacity: FieldRules.maxQuantity,
            lead: FieldRules.maxLeadTimeDays
        ),
        Sample.retraction("NO"),
        Sample.need("UA", code: "NEED-UA-001", quantity: 0, priority: 5, open: false),
        Sample.pledge("NO", to: "UA", quantity: 0),
        Sample.join("NATO-SPO"),
        Sample.leave("DE", tags: []),
        Sample.leave("DE", tags: [tag2, tag1, tag2]),
        Sample.terms("PL", target: FieldRules.maxQuantity, status: .closed),
        Sample.share("NO", quantity: 0),
        Sample.drawdown("NO", site: "Raufoss", refill: []),
        Sample.drawdown("NO", from: "2026-11", to: "2026-11", active: false),
        Sample.schedule("NO", to: "UA", [("2026-11", 300, 250), ("2027-01", FieldRules.maxQuantity, 0)]),
        Sample.confirmation("UA", from: "NO", []),
        Sample.order("PL", at: "NO", site: "Raufoss", quantity: FieldRules.maxQuantity, priority: 5, open: false),
        Sample.answer("NO", to: "PL", slot: ("2026-11", 700)),
        Sample.answer("NO", to: "PL", slot: nil),
        Sample.definition("NO"),
        Sample.definition("NATO-SPO", code: "X", name: "Ø 9 mm", unit: "kg", category: "c", nsn: "1320-01-234-5678"),
        Sample.group("NO", members: ["SHELL-155-HE", "SHELL-155-HE-M795"]),
        Sample.group("PL", members: []),
    ]

    @Test(arguments: operations)
    func roundTrips(_ operation: Operation) throws {
        let payload = operation.payload()
        #expect(try Operation(kind: operation.kind.rawValue, payload: payload) == operation)
    }

    @Test(arguments: operations)
    func everyTruncationAndAnyTrailingByteIsRefused(_ operation: Operation) {
        let payload = operation.payload()
        for length in 0..<payload.count {
            #expect(throws: MergeError.self) {
                try Operation(kind: operation.kind.rawValue, payload: Array(payload[..<length]))
            }
        }
        #expect(throws: MergeError.self) { try Operation(kind: operation.kind.rawValue, payload: payload + [0]) }
    }

    @Test func knownBytesOfACapacityReport() throws {
        let report = try CapacityReport(
            partner: "NO",
            item: "SHELL-155-HE",
            site: "Raufoss",
            period: Period("2026-11"),
            monthlyCapacity: 1000,
            monthlyOutput: 900,
            stockOnHand: 5000,
            stockThreshold: 2000,
            leadTimeDays: 30,
            constraints: ""
        )
        // The example in Protocol/payloads.md §Capacity report.
        #expect(
            Hex.encode(report.encoded) == "024e4f0c5348454c4c2d3135352d484507526175666f737307ea0be80784078827d00f1e00"
        )
    }

    @Test func knownBytesOfAPoolLeave() throws {
        let leave = try PoolLeave(
            partner: "NO",
            item: "BARREL-155",
            observedTags: [EntryID(hex: String(repeating: "ab", count: 32))!]
        )
        #expect(Hex.encode(leave.encoded) == "024e4f0a42415252454c2d31353501" + String(repeating: "ab", count: 32))
    }

    /// Hand-written payloads: a valid one of each shape (so the refusals below are not trivially true), then
    /// each changed in one field to a value the format forbids.
    @Test(arguments: [
        (
            "report valid", EntryKind.capacityReport, true,
            "024e4f0c5348454c4c2d3135352d484507526175666f737307ea0be80784078827d00f1e00"
        ),
        (
            "report month 13", .capacityReport, false,
            "024e4f0c5348454c4c2d3135352d484507526175666f737307ea0de80784078827d00f1e00"
        ),
        (
            "report lowercase item", .capacityReport, false,
            "024e4f0c7368656c6c2d3135352d686507526175666f737307ea0be80784078827d00f1e00"
        ),
        (
            "report control char in site", .capacityReport, false,
            "024e4f0c5348454c4c2d3135352d484507526175660a737307ea0be80784078827d00f1e00"
        ),
        (
            "report non-minimal varint", .capacityReport, false,
            "024e4f0c5348454c4c2d3135352d484507526175666f737307ea0b800084078827d00f1e00"
        ),
        ("report empty site", .capacityReport, false, "024e4f0c5348454c4c2d3135352d48450007ea0be80784078827d00f1e00"),
        (
            "report bad partner", .capacityReport, false,
            "016e0c5348454c4c2d3135352d484507526175666f737307ea0be80784078827d00f1e00"
        ),
        ("need valid", .need, true, "025541024e310c5348454c4c2d3135352d4845e80707eb021c0100"),
        ("need 30 February", .need, false, "025541024e310c5348454c4c2d3135352d4845e80707eb021e0100"),
        ("need priority 0", .need, false, "025541024e310c5348454c4c2d3135352d4845e80707eb021c0000"),
        ("need priority 6", .need, false, "025541024e310c5348454c4c2d3135352d4845e80707eb021c0600"),
        ("need status 2", .need, false, "025541024e310c5348454c4c2d3135352d4845e80707eb021c0102"),
        ("pledge at the limit", .pledge, true, "024e4f025541024e3180a094a58d1d"),
        ("pledge over the limit", .pledge, false, "024e4f025541024e3181a094a58d1d"),
        ("pledge invalid UTF-8", .pledge, false, "024e4f025541024eff05"),
        (
            "leave valid", .poolLeave, true,
            "024e4f0142" + "02" + String(repeating: "aa", count: 32) + String(repeating: "bb", count: 32)
        ),
        (
            "leave tags out of order", .poolLeave, false,
            "024e4f0142" + "02" + String(repeating: "bb", count: 32) + String(repeating: "aa", count: 32)
        ),
        ("leave duplicate tags", .poolLeave, false, "024e4f0142" + "02" + String(repeating: "aa", count: 64)),
        ("leave count over the limit", .poolLeave, false, "024e4f0142" + "8108"),
        ("leave count beyond the bytes", .poolLeave, false, "024e4f0142" + "05" + String(repeating: "aa", count: 32)),
        ("terms valid", .poolTerms, true, "02504c0142900301"),
        ("terms status 4", .poolTerms, false, "02504c0142900304"),
        ("share valid", .poolShare, true, "024e4f014264"),
        ("share over the limit", .poolShare, false, "024e4f014281a094a58d1d"),
        ("drawdown valid", .drawdownPlan, true, "024e4f0142015307ea0b07eb02a0060107eb03dc0b00"),
        ("drawdown window reversed", .drawdownPlan, false, "024e4f0142015307eb0207ea0ba0060107eb03dc0b00"),
        ("drawdown refill at the start", .drawdownPlan, false, "024e4f0142015307ea0b07eb02a0060107ea0bdc0b00"),
        ("drawdown status 2", .drawdownPlan, false, "024e4f0142015307ea0b07eb02a0060107eb03dc0b02"),
        ("schedule valid", .deliverySchedule, true, "024e4f025541024e310207ea0b643207ea0c6400"),
        ("schedule months repeated", .deliverySchedule, false, "024e4f025541024e310207ea0b643207ea0b6400"),
        ("confirmation valid", .deliveryConfirmation, true, "025541024e31024e4f0107ea0b32"),
        ("confirmation count beyond the bytes", .deliveryConfirmation, false, "025541024e31024e4f0207ea0b32"),
        ("answer accepted", .orderResponse, true, "024e4f02504c014f0007ea0b64"),
        ("answer refused", .orderResponse, true, "024e4f02504c014f01"),
        ("answer refused with a slot", .orderResponse, false, "024e4f02504c014f0107ea0b64"),
        ("answer decision 2", .orderResponse, false, "024e4f02504c014f02"),
        ("order valid", .factoryOrder, true, "02504c014f024e4f01530142640" + "7ea0b07ea0c0200"),
        ("order window reversed", .factoryOrder, false, "02504c014f024e4f01530142640" + "7ea0c07ea0b0200"),
        ("order priority 0", .factoryOrder, false, "02504c014f024e4f01530142640" + "7ea0b07ea0c0000"),
        ("drawdown month 0", .drawdownPlan, false, "024e4f0142015307ea0007eb02a0060107eb03dc0b00"),
    ])
    func handWrittenPayloads(_ name: String, _ kind: EntryKind, _ valid: Bool, _ hex: String) {
        let bytes = Hex.decode(hex) ?? []
        #expect(!bytes.isEmpty, "bad hex in case \(name)")
        if valid {
            #expect(throws: Never.self, "\(name)") { try Operation(kind: kind.rawValue, payload: bytes) }
        } else {
            #expect(throws: MergeError.self, "\(name)") { try Operation(kind: kind.rawValue, payload: bytes) }
        }
    }

    @Test func constructorsRefuseWhatDecodingRefuses() {
        #expect(throws: MergeError.self) { try Period("2026-13") }
        #expect(throws: MergeError.self) { try Period("26-01") }
        #expect(throws: MergeError.self) { try Day("2026-02-29") }
        #expect(throws: MergeError.self) {
            try Need(owner: "UA", code: "N", item: "X", quantity: 1, due: Sample.due, priority: 0)
        }
        #expect(throws: MergeError.self) { try Pledge(partner: "no", needOwner: "UA", needCode: "N", quantity: 1) }
        #expect(throws: MergeError.self) {
            try CapacityReport(
                partner: "NO",
                item: "-BAD",
                site: "A",
                period: Sample.month,
                monthlyCapacity: 0,
                monthlyOutput: 0,
                stockOnHand: 0,
                stockThreshold: 0,
                leadTimeDays: 0
            )
        }
        #expect(throws: MergeError.self) {
            try CapacityReport(
                partner: "NO",
                item: "A",
                site: " padded",
                period: Sample.month,
                monthlyCapacity: 0,
                monthlyOutput: 0,
                stockOnHand: 0,
                stockThreshold: 0,
                leadTimeDays: 0
            )
        }
        #expect(throws: MergeError.self) {
            try PoolLeave(
                partner: "NO",
                item: "A",
                observedTags: (0..<1025).map { EntryID(SHA256.hash([UInt8($0 & 0xff), UInt8($0 >> 8)])) }
            )
        }
        #expect((try? Day("2028-02-29")) != nil)
        #expect((try? Period("2026-07"))?.description == "2026-07")
    }

    @Test func entriesOfOtherVersionsAndKindsAreRefusedWithTheirCode() throws {
        let author = TestAuthor(partner: "NO", seedByte: 1)
        let v2 = author.append(Sample.join("NO"), at: 1_000, version: 2)
        let unknown = author.append(kind: 1000, payload: [], at: 2_000)
        let good = author.append(Sample.join("NO"), at: 3_000)
        do {
            _ = try Operation(entry: unknown)
            Issue.record("kind 1000 decoded")
        } catch {
            #expect(error.code == .unknownKind)
        }
        do {
            _ = try Operation(entry: v2)
            Issue.record("version 2 decoded")
        } catch {
            #expect(error.code == .unsupportedVersion)
        }
        #expect(try Operation(entry: good) == Sample.join("NO"))
        #expect(Sample.pledge("NO", to: "UA", quantity: 5).description == "pledge NO -> UA NEED-001: 5")
        #expect(
            Sample.report("NO").description.hasPrefix("capacity report NO SHELL-155-HE Plant-1 2026-10: capacity 1000")
        )
        #expect(EntryKind.allCases.map(\.rawValue) == Array(1...15))
    }
}

@Suite struct PartnerCodeRuleTests {
    /// The payload check must accept exactly what the roster accepts.
    @Test(arguments: [
        "NO", "NATO-SPO", "A1", "ABCDEFGHIJKLMNOP", "N", "no", "1NO", "-NO", "ABCDEFGHIJKLMNOPQ", "NÖ", "N O", "",
    ])
    func agreesWithTheRoster(_ code: String) {
        let roster = (try? Roster.validatePartnerCode(code)) != nil
        let payload = (try? FieldRules.checkPartner(code, field: "test")) != nil
        #expect(roster == payload)
    }
}
