import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

@testable import CapSyncLog

/// Two real processes appending to one node directory at once must never produce two entries with one seq
/// (Protocol/store.md, concurrency). Uses the crash harness's writer executable, built by `swift build --build-tests`.
@Suite struct TwoWriterTests {
    static var writerPath: String {
        // Tests/CapSyncLogTests/TwoWriterTests.swift → package root → .build/debug
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/capsync-crash-writer").path
    }

    func run(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.writerPath)
        process.arguments = arguments
        return process
    }

    @Test func twoProcessesAppendingConcurrentlyNeverShareASeq() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.writerPath),
            "build the writer first: swift build --build-tests (looked at \(Self.writerPath))"
        )
        let directory = TemporaryDirectory()
        let store = directory.path + "/log"
        var outputs: [Pipe] = []
        var processes: [Process] = []
        for _ in 0..<2 {
            let process = try run(["append", store, "40", "5"])
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            outputs.append(pipe)
            processes.append(process)
        }
        var acknowledged: [[UInt64]] = []
        for (process, pipe) in zip(processes, outputs) {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            acknowledged.append(
                String(decoding: data, as: UTF8.self).split(separator: "\n")
                    .compactMap { $0.hasPrefix("acked ") ? UInt64($0.dropFirst(6).prefix { $0 != " " }) : nil }
            )
        }
        #expect(acknowledged.allSatisfy { $0.count == 200 })
        #expect(Set(acknowledged[0]).isDisjoint(with: acknowledged[1]))
        #expect(Set(acknowledged[0] + acknowledged[1]) == Set(1...400))
        let signer = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let roster = try Roster(serial: 1, members: [.init(partner: "NO", key: AuthorKey(signer.publicKey))])
        let reopened = try LogStore(directory: store, roster: roster)
        #expect(reopened.recovery == nil)
        #expect(reopened.head(of: AuthorKey(signer.publicKey))?.seq == 400)
        #expect(try verifyWholeStore(reopened) == 400)
    }
}
