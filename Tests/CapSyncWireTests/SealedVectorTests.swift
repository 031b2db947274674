import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

/// One file of Protocol/vectors/releasability (Protocol/releasability.md §8).
struct SealedVector: Decodable {
    struct KeyPair: Decodable {
        let `private`: String
        let `public`: String
    }
    struct Inputs: Decodable {
        let label: [String]
        let rosterSerial: UInt64
        let innerKind: UInt64
        let innerPayload: String
        let contentKey: String
        let nonce: String
        let ephemerals: [String]
    }
    struct Result: Decodable {
        let kind: UInt64?
        let payload: String?
        let error: String?
    }
    let name: String
    let author: String?
    let authorPartner: String?
    let encryptionKeys: [String: KeyPair]?
    let inputs: Inputs?
    let payload: String
    let entry: String?
    let expected: [String: Result]?
    let reason: String?
}

@Suite struct SealedVectorTests {
    static func load(_ name: String) throws -> SealedVector {
        try Repository.loadVector(SealedVector.self, "releasability", name)
    }

    /// Swift seals the vector's inputs to exactly the bytes Python wrote, and the signed entry verifies.
    @Test(arguments: Repository.vectorNames("releasability", prefix: "valid-"))
    func swiftSealsWhatPythonSealed(_ name: String) throws {
        let vector = try Self.load(name)
        let inputs = try #require(vector.inputs)
        let keys = try #require(vector.encryptionKeys)
        var recipients: [String: X25519PublicKey] = [:]
        for partner in inputs.label {
            recipients[partner] = try X25519PublicKey(rawBytes: Hex.decode(keys[partner]!.public)!)
        }
        let randomness = SealedEnvelope.Randomness(
            contentKey: Hex.decode(inputs.contentKey)!,
            nonce: Hex.decode(inputs.nonce)!,
            ephemerals: try inputs.ephemerals.map { try X25519PrivateKey(rawBytes: Hex.decode($0)!) }
        )
        let sealed = try SealedEnvelope.seal(
            kind: inputs.innerKind,
            payload: Hex.decode(inputs.innerPayload)!,
            recipients: recipients,
            rosterSerial: inputs.rosterSerial,
            author: AuthorKey(hex: vector.author!)!,
            randomness: randomness
        )
        #expect(Hex.encode(sealed.encoded) == vector.payload)
        #expect(try SealedPayload(decoding: Hex.decode(vector.payload)!) == sealed)

        let entry = try Entry(decoding: Hex.decode(try #require(vector.entry))!)
        #expect(entry.kind == SealedPayload.kind)
        #expect(Array(entry.payload) == sealed.encoded)
        #expect(try entry.author.publicKey().isValidSignature(Array(entry.signature), for: entry.signingMessage))
    }

    /// Swift opens what Python sealed, for every partner, with the results (or refusals) Python expects.
    @Test(
        arguments: Repository.vectorNames("releasability", prefix: "valid-")
            + Repository.vectorNames("releasability", prefix: "open-")
    )
    func swiftOpensAsExpected(_ name: String) throws {
        let vector = try Self.load(name)
        let sealed = try SealedPayload(decoding: Hex.decode(vector.payload)!)
        let author = AuthorKey(hex: vector.author!)!
        for (partner, expected) in try #require(vector.expected) {
            let key = try X25519PrivateKey(rawBytes: Hex.decode(vector.encryptionKeys![partner]!.private)!)
            do {
                let opened = try SealedEnvelope.open(sealed, partner: partner, keys: [key], author: author)
                #expect(expected.error == nil, "\(name) \(partner) opened but expected \(expected.error ?? "")")
                #expect(opened.kind == expected.kind)
                #expect(Hex.encode(opened.payload) == expected.payload)
            } catch {
                #expect(error.code.rawValue == expected.error, "\(name) \(partner): \(error)")
            }
        }
    }

    @Test(arguments: Repository.vectorNames("releasability", prefix: "decode-"))
    func decodingRefusesAsExpected(_ name: String) throws {
        let vector = try Self.load(name)
        let error = #expect(throws: WireError.self) { try SealedPayload(decoding: Hex.decode(vector.payload)!) }
        #expect(error?.code.rawValue == vector.reason, "\(name): \(String(describing: error))")
    }

    /// Python (tools/vectors/capsync_sealed.py, written from the spec) opens what Swift sealed with fresh keys.
    @Test func pythonOpensWhatSwiftSealed() throws {
        let author = AuthorKey(try Ed25519PrivateKey.generate().publicKey)
        var privates: [String: X25519PrivateKey] = [:]
        for partner in ["DE", "NL", "US"] { privates[partner] = try X25519PrivateKey.generate() }
        let payload = Array("a capacity report's bytes".utf8)
        let sealed = try SealedEnvelope.seal(
            kind: 1,
            payload: payload,
            recipients: privates.mapValues(\.publicKey),
            rosterSerial: 42,
            author: author
        )
        var requests = ""
        for partner in ["DE", "NL", "US"] {
            requests += #"{"payload": "\#(Hex.encode(sealed.encoded))", "author": "\#(author.hex)", "#
            requests += #""partner": "\#(partner)", "private": "\#(Hex.encode(privates[partner]!.rawBytes))"}"#
            requests += "\n"
        }
        requests += #"{"payload": "\#(Hex.encode(sealed.encoded))", "author": "\#(author.hex)", "#
        requests += #""partner": "FR", "private": "\#(Hex.encode(privates["DE"]!.rawBytes))"}"# + "\n"
        let lines = try runPython("tools/vectors/capsync_sealed.py", input: requests)
        let expected = #"{"kind": 1, "payload": "\#(Hex.encode(payload))"}"#
        #expect(lines == [expected, expected, expected, #"{"error": "notInAudience"}"#])
    }

    @Test func sealingRefusesGovernanceKinds() throws {
        let key = try X25519PrivateKey.generate()
        for kind: UInt64 in [0, 7, 16, 17, 18] {
            #expect(throws: WireError.self) {
                try SealedEnvelope.seal(
                    kind: kind,
                    payload: [1],
                    recipients: ["DE": key.publicKey],
                    rosterSerial: 1,
                    author: .zero
                )
            }
        }
    }

    private func runPython(_ script: String, input: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.root.appendingPathComponent(script).path]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// The check every node makes of a sealed entry without reading it: wraps go to the keys its roster version names.
@Suite struct SealedWrapCheckTests {
    func sealed(_ label: [String], serial: UInt64, keys: [String: Bytes32]) throws -> SealedPayload {
        var recipients: [String: X25519PublicKey] = [:]
        for partner in label { recipients[partner] = try X25519PublicKey(rawBytes: keys[partner]!.bytes) }
        return try SealedEnvelope.seal(
            kind: 1,
            payload: [1],
            recipients: recipients,
            rosterSerial: serial,
            author: .zero
        )
    }

    @Test func wrapsAreJudgedByTheRosterVersionTheEntryNames() throws {
        let vector = try RosterChainTests.load("valid-08-encryption-keys")
        let chain = try #require(RosterChainTests.replay(try RosterChainTests.versions(vector)).chain)
        let genesis = chain.genesis.version.serial
        let afterRotation = try #require(chain.link(serial: genesis + 2)).state.encryptionKeys
        let beforeRotation = try #require(chain.link(serial: genesis + 1)).state.encryptionKeys
        #expect(afterRotation["DE"] != beforeRotation["DE"])

        let good = try sealed(["DE", "NO"], serial: genesis + 2, keys: afterRotation)
        #expect(good.wrapProblems(chain: chain) == [])
        // DE's key as rotated, named under the version before the rotation: not the key that version gives DE.
        let stale = try sealed(["DE", "NO"], serial: genesis + 1, keys: afterRotation)
        #expect(stale.wrapProblems(chain: chain)?.count == 1)
        #expect(stale.wrapProblems(chain: chain)?.first?.contains("for DE") == true)
        // NL is removed by the last version: nothing may be released to it under that version.
        let removed = try sealed(["DE", "NL"], serial: genesis + 3, keys: afterRotation)
        #expect(removed.wrapProblems(chain: chain)?.first?.contains("not an active partner") == true)
        // A version the chain does not reach yet is judged later; one before genesis never exists.
        #expect(try sealed(["DE"], serial: genesis + 9, keys: afterRotation).wrapProblems(chain: chain) == nil)
        #expect(try sealed(["DE"], serial: 1, keys: afterRotation).wrapProblems(chain: chain)?.count == 1)
    }
}
