import CapSyncCrypto
import CapSyncWire
import Testing

@Suite struct RosterTests {
    static let validNames = Repository.vectorNames("roster", prefix: "roster-0")
    static let invalidNames = Repository.vectorNames("roster", prefix: "roster-bad-")

    @Test(arguments: validNames)
    func rosterVectorParsesToItsCanonicalBytesAndHash(_ name: String) throws {
        let vector = try Repository.loadVector(RosterVector.self, "roster", name)
        let roster = try Roster(fileText: vector.fileText)
        #expect(roster.serial == vector.serial)
        let members = try #require(vector.members)
        #expect(roster.members.count == members.count)
        for (parsed, expected) in zip(roster.members, members) {
            #expect(parsed.partner == expected.partner)
            #expect(parsed.key.hex == expected.key)
            #expect(Ed25519Base64.encode(parsed.key.bytes) == expected.keyBase64)
            #expect(parsed.lastValidSeq == expected.lastValidSeq)
        }
        #expect(Hex.encode(roster.canonicalBytes) == vector.canonicalBytes)
        #expect(roster.hash.hex == vector.hash)
        #expect(roster.fileText == vector.canonicalFileText)
        #expect(try Roster(fileText: roster.fileText) == roster)
    }

    @Test(arguments: invalidNames)
    func badRosterFileIsRefusedNamingTheLine(_ name: String) throws {
        let vector = try Repository.loadVector(RosterVector.self, "roster", name)
        do {
            let roster = try Roster(fileText: vector.fileText)
            Issue.record("parsed: \(roster.fileText)")
        } catch {
            #expect(error.code.rawValue == vector.reason)
            if let line = vector.line {
                #expect(error.context == "roster line \(line)")
                #expect(error.description.contains("roster line \(line)"))
            } else {
                #expect(error.context == "roster")
            }
        }
    }

    static func key(_ n: UInt8) -> AuthorKey { AuthorKey([UInt8](repeating: n, count: 32)) }

    @Test func builtRosterRoundTripsThroughItsFile() throws {
        var roster = try Roster(
            serial: 3,
            members: [
                Roster.Member(partner: "US", key: Self.key(3)),
                Roster.Member(partner: "NATO-SPO", key: Self.key(9), lastValidSeq: 12),
                Roster.Member(partner: "NO", key: Self.key(1)),
                Roster.Member(partner: "NO", key: Self.key(0)),
            ]
        )
        #expect(roster.members.map(\.partner) == ["NATO-SPO", "NO", "NO", "US"])
        #expect(roster.keys(of: "NO") == [Self.key(0), Self.key(1)])
        #expect(roster.partners == ["NATO-SPO", "NO", "US"])
        let parsed = try Roster(fileText: roster.fileText)
        #expect(parsed == roster && parsed.hash == roster.hash)

        let before = roster.hash
        try roster.setLastValidSeq(100, for: Self.key(3))
        #expect(roster.hash != before, "a retirement changes the hash")
        roster.serial += 1
        let removed = roster.remove(Self.key(1))
        let removedAgain = roster.remove(Self.key(1))
        #expect(removed && !removedAgain)
        #expect(try Roster(fileText: roster.fileText) == roster)
    }

    @Test func allowsRespectsMembershipAndLastValidSeq() throws {
        let roster = try Roster(members: [
            Roster.Member(partner: "NO", key: Self.key(1)),
            Roster.Member(partner: "NL", key: Self.key(2), lastValidSeq: 10),
            Roster.Member(partner: "DE", key: Self.key(3), lastValidSeq: 0),
        ])
        #expect(roster.allows(Self.key(1), seq: 1 << 62))
        #expect(roster.allows(Self.key(2), seq: 10))
        #expect(!roster.allows(Self.key(2), seq: 11))
        #expect(!roster.allows(Self.key(3), seq: 1))
        #expect(!roster.allows(Self.key(4), seq: 1))
        #expect(roster.partner(of: Self.key(2)) == "NL")
    }

    @Test func aKeyBelongsToOnePartner() throws {
        var roster = try Roster(members: [Roster.Member(partner: "NO", key: Self.key(1))])
        #expect(throws: WireError.self) { try roster.add(Roster.Member(partner: "NL", key: Self.key(1))) }
        #expect(throws: WireError.self) { try roster.setLastValidSeq(5, for: Self.key(7)) }
    }

    @Test(arguments: ["NO", "US", "NATO-SPO", "A1", "ABCDEFGHIJKLMNOP", "X-"])
    func validPartnerCodes(_ code: String) throws {
        try Roster.validatePartnerCode(code)
    }

    @Test(arguments: ["", "N", "no", "1A", "-NO", "N O", "ABCDEFGHIJKLMNOPQ", "NØ", "N_O", "NO\n"])
    func invalidPartnerCodes(_ code: String) {
        #expect(throws: WireError.self) { try Roster.validatePartnerCode(code) }
    }

    struct LineError: Sendable, CustomTestStringConvertible {
        let text: String
        let line: Int
        let mentions: String
        var testDescription: String { mentions }
    }

    static let keyText = Ed25519Base64.encode([UInt8](repeating: 7, count: 32))

    static let lineErrors: [LineError] = [
        LineError(text: "capsync-roster v2\n", line: 1, mentions: "header"),
        LineError(text: "\n# c\ncapsync-roster v1\nserial x\n", line: 4, mentions: "serial N"),
        LineError(text: "capsync-roster v1\nserial 1\nkey NO\n", line: 3, mentions: "key PARTNER"),
        LineError(text: "capsync-roster v1\nserial 1\nkey NO \(keyText) last 5\n", line: 3, mentions: "key PARTNER"),
        LineError(text: "capsync-roster v1\nserial 1\nkey NO \(keyText) last-seq -5\n", line: 3, mentions: "last-seq"),
        LineError(text: "capsync-roster v1\nserial 18446744073709551616\n", line: 2, mentions: "serial N"),
        LineError(text: "capsync-roster v1\nserial 1\nkey NO AAAA\n", line: 3, mentions: "base64"),
        LineError(text: "capsync-roster v1\nserial 1\nkey NO \(keyText.dropLast())!\n", line: 3, mentions: "base64"),
        LineError(text: "capsync-roster v1\r\nserial 1\r\nkey nl \(keyText)\r\n", line: 3, mentions: "partner code"),
        LineError(text: "capsync-roster v1\nserial 1\nmember NO\n", line: 3, mentions: "unknown line"),
    ]

    @Test(arguments: lineErrors)
    func parseErrorsNameTheLineAndTheProblem(_ e: LineError) {
        do {
            _ = try Roster(fileText: e.text)
            Issue.record("parsed")
        } catch {
            #expect(error.code == .parse)
            #expect(error.context == "roster line \(e.line)")
            #expect(error.description.hasPrefix("roster line \(e.line): "))
            #expect(error.offset == nil, "a line number is not a byte offset")
            #expect(error.reason.contains(e.mentions), "\(error.reason)")
        }
    }

    @Test func crlfCommentsAndOrderDoNotChangeTheHash() throws {
        let a = Ed25519Base64.encode(Self.key(1).bytes)
        let b = Ed25519Base64.encode(Self.key(2).bytes)
        let plain = try Roster(fileText: "capsync-roster v1\nserial 5\nkey NL \(a)\nkey NO \(b) last-seq 9\n")
        let messy = try Roster(
            fileText: "# edited\r\n\r\ncapsync-roster   v1\r\nkey NO\t\(b) last-seq 009 # retired\r\n"
                + "serial 5\r\nkey NL \(a)"
        )
        #expect(messy.hash == plain.hash)
        #expect(messy.fileText == plain.fileText)
    }
}

extension RosterTests {
    @Test func aRosterHoldsAtMost4096Keys() throws {
        func file(keys: Int) -> String {
            var text = "capsync-roster v1\nserial 1\n"
            for n in 0..<keys {
                var raw = [UInt8](repeating: 0, count: 32)
                raw[0] = UInt8(n >> 8)
                raw[1] = UInt8(n & 0xff)
                text += "key P\(n % 50 + 10) \(Ed25519Base64.encode(raw))\n"
            }
            return text
        }
        #expect(try Roster(fileText: file(keys: Roster.maxMembers)).members.count == Roster.maxMembers)
        do {
            _ = try Roster(fileText: file(keys: Roster.maxMembers + 1))
            Issue.record("a roster of \(Roster.maxMembers + 1) keys was accepted")
        } catch {
            #expect(error.code == .overLimit)
        }
    }
}
