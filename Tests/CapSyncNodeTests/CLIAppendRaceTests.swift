import CapSyncCrypto
import CapSyncNode
import CapSyncWire
import Foundation
import Testing

/// Competing writers on one node directory: the real `capsync` binary (built by `swift build --build-tests`)
/// appending from two processes at once, and a node restored from an old backup that appends again. Neither may
/// ever produce a fork or a seq used twice.
@Suite(.serialized) struct CLIAppendRaceTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
    static var binary: String { packageRoot.appendingPathComponent(".build/debug/capsync").path }

    /// Runs `capsync` with `arguments`; returns its exit status and standard output.
    @discardableResult
    static func capsync(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func report(_ dir: String, site: String) throws -> (status: Int32, output: String) {
        try capsync([
            "report", "--dir", dir, "--item", "SHELL-155-HE", "--site", site, "--period", "2026-11",
            "--capacity", "1000", "--output", "900", "--stock", "50", "--threshold", "10",
        ])
    }

    /// "appended seq 7 (entry …)" → 7.
    static func appendedSeq(_ output: String) -> UInt64? {
        guard let range = output.range(of: "appended seq ") else { return nil }
        return UInt64(output[range.upperBound...].prefix { $0.isNumber })
    }

    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "capsync-race-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func twoReportLoopsOnOneNodeNeverShareASeq() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build first: swift build (\(Self.binary))")
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/node"
        let identity = try NodeSetup.create(at: dir, options: .init(partner: "NO"))
        let perLoop = 12
        nonisolated(unsafe) var acknowledged = [[UInt64]](repeating: [], count: 2)
        nonisolated(unsafe) var failures = [Int](repeating: 0, count: 2)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { loop in
            for _ in 0..<perLoop {
                let result = try? Self.report(dir, site: "site-\(loop)")
                lock.withLock {
                    if let result, result.status == 0, let seq = Self.appendedSeq(result.output) {
                        acknowledged[loop].append(seq)
                    } else {
                        failures[loop] += 1
                    }
                }
            }
        }
        let roster = try NodeSetup.loadRoster(NodePaths(root: dir))
        let audit = try auditStore(directory: NodePaths(root: dir).store, roster: roster)
        let node = try Node(root: dir)
        let checks = [
            failures == [0, 0], Set(acknowledged[0]).isDisjoint(with: acknowledged[1]),
            Set(acknowledged[0] + acknowledged[1]) == Set(1...UInt64(2 * perLoop)), audit.problems.isEmpty,
            audit.entries == 2 * perLoop, node.store.forkProofs().isEmpty,
            node.store.head(of: AuthorKey(identity.signingKey))?.seq == UInt64(2 * perLoop),
        ]
        #expect(
            checks.allSatisfy { $0 },
            "checks \(checks); failures \(failures); acknowledged \(acknowledged); \(audit.problems)"
        )
        print(
            "adversary case two processes appending: \(checks.allSatisfy { $0 } ? "handled" : "NOT handled") — "
                + "\(acknowledged[0].count + acknowledged[1].count) appends acknowledged by two `capsync report` loops, "
                + "\(Set(acknowledged[0] + acknowledged[1]).count) distinct seqs, \(node.store.forkProofs().count) forks, "
                + "\(audit.problems.count) invalid entries"
        )
    }

    /// NO appends, backs up, appends more and syncs them to NL; its disk is lost and it is restored from the old
    /// backup. Its own appends are refused until a sync brings its chain back; after that it appends at the next
    /// free seq, and neither node ever holds a fork.
    @Test func restoreFromAnOldBackupThenAppendingNeverForks() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build first: swift build (\(Self.binary))")
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let no = root + "/no"
        let nl = root + "/nl"
        let backup = root + "/backup"
        let restored = root + "/no-restored"
        let noID = try NodeSetup.create(at: no, options: .init(partner: "NO"))
        let nlID = try NodeSetup.create(at: nl, options: .init(partner: "NL"))
        let roster = try Roster(
            serial: 2,
            members: [
                .init(partner: "NO", key: AuthorKey(noID.signingKey)),
                .init(partner: "NL", key: AuthorKey(nlID.signingKey)),
            ]
        )
        for dir in [no, nl] { try NodeSetup.saveRoster(roster, NodePaths(root: dir)) }

        // NL serves on a free port; NO dials it.
        let addressFile = root + "/nl.address"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.binary)
        server.arguments = [
            "serve", "--dir", nl, "--listen", "127.0.0.1:0", "--address-file", addressFile, "--log-level", "error",
        ]
        let serverOut = Pipe()
        server.standardOutput = serverOut
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        // The daemon prints "listening on …" once bound: read its first line, no polling.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = serverOut.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let address = String(decoding: line, as: UTF8.self).replacingOccurrences(of: "listening on ", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!address.isEmpty, "the daemon did not start")
        let peers = PeerList(peers: [.init(partner: "NL", address: address, key: AuthorKey(nlID.signingKey))])
        try NodeSetup.savePeers(peers, NodePaths(root: no))

        for site in ["a", "b", "c"] { #expect(try Self.report(no, site: site).status == 0) }
        #expect(try Self.capsync(["backup", "--dir", no, backup]).status == 0)  // the backup holds NO 1…3
        for site in ["d", "e"] { #expect(try Self.report(no, site: site).status == 0) }
        #expect(try Self.capsync(["sync", "--dir", no]).status == 0)  // NL now holds NO 1…5

        #expect(try Self.capsync(["restore", "--dir", restored, backup]).status == 0)
        let refused = try Self.report(restored, site: "f")
        #expect(refused.status != 0, "a restored node appended before re-learning its chain: \(refused.output)")
        #expect(try Self.capsync(["sync", "--dir", restored]).status == 0)  // takes NO 4…5 back from NL
        let after = try Self.report(restored, site: "f")
        #expect(after.status == 0 && Self.appendedSeq(after.output) == 6, "\(after.output)")
        #expect(try Self.capsync(["sync", "--dir", restored]).status == 0)

        var sound = refused.status != 0 && after.status == 0 && Self.appendedSeq(after.output) == 6
        for dir in [restored, nl] {
            let node = try Node(root: dir)
            #expect(node.store.forkProofs().isEmpty, "\(dir) holds a fork")
            #expect(node.store.head(of: AuthorKey(noID.signingKey))?.seq == 6)
            let audit = try auditStore(directory: node.paths.store, roster: roster)
            #expect(audit.problems.isEmpty, "\(audit.problems)")
            sound =
                sound && node.store.forkProofs().isEmpty && audit.problems.isEmpty
                && node.store.head(of: AuthorKey(noID.signingKey))?.seq == 6
        }
        print(
            "adversary case restore from an old backup, then append: \(sound ? "handled" : "NOT handled") — "
                + "append before re-learning refused: \(refused.status != 0); next append at seq "
                + "\(Self.appendedSeq(after.output).map(String.init) ?? "none") (6 expected); forks on either node: none"
        )
    }
}
