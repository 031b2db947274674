import Foundation
import Testing

/// Runs the real `capsync` binary. Located next to the test bundle's build products, or via $CAPSYNC_BINARY.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["CAPSYNC_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var candidates = [root.appendingPathComponent(".build/debug/capsync").path]
        // The test bundle lives in the same products directory as the binary, whatever the scratch path.
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
        candidates.insert(bundle.appendingPathComponent("capsync").path, at: 0)
        for argument in CommandLine.arguments.prefix(3) where argument.contains(".build") {
            var url = URL(fileURLWithPath: argument)
            while url.path != "/" && !url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
            candidates.insert(url.deletingLastPathComponent().appendingPathComponent("capsync").path, at: 0)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    let directory: String

    /// A fresh temporary working directory for one scenario.
    init() {
        directory = NSTemporaryDirectory() + "capsync-cli-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }

    /// The base64 signing key of a trust card's `key` line ("" when the card has none).
    static func key(ofCard card: String) -> String {
        card.split(separator: "\n").first { $0.hasPrefix("key ") }.map { String($0.dropFirst(4)) } ?? ""
    }

    @discardableResult
    func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: String? = nil,
        timeout: Double? = nil
    ) throws -> Result {
        try Self.exec(Self.binary, arguments, in: directory, environment: environment, input: input, timeout: timeout)
    }

    /// `timeout`: a guard for commands that would run forever if the behaviour under test regressed (a daemon
    /// that should have refused to start); the process is terminated then, and the test sees its status.
    static func exec(
        _ executable: String,
        _ arguments: [String],
        in directory: String,
        environment: [String: String] = [:],
        input: String? = nil,
        timeout: Double? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CAPSYNC_DIR")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        if let timeout {
            let running = process
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if running.isRunning { running.terminate() }
            }
        }
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs and requires success, returning stdout.
    @discardableResult
    func ok(
        _ arguments: [String],
        environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let result = try run(arguments, environment: environment)
        #expect(
            result.status == 0,
            "capsync \(arguments.joined(separator: " ")) failed: \(result.output)",
            sourceLocation: sourceLocation
        )
        return result.stdout
    }

    /// A `capsync serve` running in the background until `stop()`.
    final class Daemon {
        let process = Process()
        let address: String
        private let stderrPipe = Pipe()
        private let stdoutPipe = Pipe()
        /// What the daemon wrote to standard output up to and including its "listening on" line.
        private let firstOutput: String

        init(_ cli: CLI, arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["serve"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: cli.directory)
            process.standardOutput = stdoutPipe
            process.standardError = stderrPipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // The daemon prints "listening on HOST:PORT" once bound; read until that line (no sleeping).
            var buffer = Data()
            let handle = stdoutPipe.fileHandleForReading
            while !(String(decoding: buffer, as: UTF8.self).contains("\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            let line = String(decoding: buffer, as: UTF8.self)
            firstOutput = line
            guard let range = line.range(of: "listening on ") else {
                process.terminate()
                throw CLIError(
                    "daemon did not start: \(line) \(String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self))"
                )
            }
            address = String(line[range.upperBound...].prefix { $0 != "\n" })
        }

        /// The daemon's first write to standard output: "listening on" and, with --http, "dashboard on".
        var startOutput: String { firstOutput }

        /// SIGTERM, then wait; returns the exit status and what it logged.
        func stop() -> (Int32, String) {
            let (status, _, log) = stopCollectingOutput()
            return (status, log)
        }

        /// SIGTERM, then wait; returns the exit status, everything it wrote to standard output (the "listening on"
        /// line included) and to standard error. Both pipes are read to their end before waiting.
        func stopCollectingOutput() -> (status: Int32, stdout: String, stderr: String) {
            process.terminate()
            let group = DispatchGroup()
            nonisolated(unsafe) var rest = Data()
            let stdout = stdoutPipe.fileHandleForReading
            group.enter()
            DispatchQueue.global().async {
                rest = stdout.readDataToEndOfFile()
                group.leave()
            }
            let log = stderrPipe.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            return (
                process.terminationStatus, firstOutput + String(decoding: rest, as: UTF8.self),
                String(decoding: log, as: UTF8.self)
            )
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
