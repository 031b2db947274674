import Foundation
import Testing

/// A fresh directory under the system temp directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capsync-crypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url.appendingPathComponent(name)) }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    func mode(_ name: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(name))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func setMode(_ name: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path(name))
    }
}

/// The repository root, found from this file's path (Tests/CapSyncCryptoTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `openssl` command-line tool as an independent second implementation (docs/design.md D10). CI installs it; a
/// missing binary fails the tests rather than skipping them.
enum OpenSSLTool {
    struct Result {
        let status: Int32
        let output: String
        let errorOutput: String
        var succeeded: Bool { status == 0 }
    }

    /// Runs `openssl arguments...` in `directory` (relative paths in the arguments are relative to it).
    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> Result {
        try runCommand(["openssl"] + arguments, in: directory)
    }

    /// Runs any command found on the PATH (`bash` for the recipes in Protocol/).
    static func runCommand(_ command: [String], in directory: TemporaryDirectory) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = directory.url
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: outData, as: UTF8.self),
            errorOutput: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs and requires success, recording openssl's own message when it fails.
    @discardableResult
    static func require(
        _ arguments: [String],
        in directory: TemporaryDirectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let result = try run(arguments, in: directory)
        #expect(
            result.succeeded,
            "openssl \(arguments.joined(separator: " ")): \(result.errorOutput)",
            sourceLocation: sourceLocation
        )
        return result.output
    }
}
