import Foundation

/// The real `openssl` command as an independent TLS peer. Every run is bounded by `timeout(1)` so a test can
/// never hang; nothing here sleeps: tests wait on the process's output and exit.
final class OpenSSLTool: @unchecked Sendable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let exited = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var collectedOutput = Data()

    /// Starts `openssl arguments...`, limited to `seconds`.
    init(_ arguments: [String], limit seconds: Int = 20) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["\(seconds)", "openssl"] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    /// Writes to the tool's standard input.
    func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Reads standard output until a line containing `marker` has arrived; returns that line (nil at EOF).
    func waitForLine(containing marker: String) async -> String? {
        let handle = output.fileHandleForReading
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in
                while true {
                    let chunk = handle.availableData
                    let text = lock.withLock {
                        collectedOutput.append(chunk)
                        return String(decoding: collectedOutput, as: UTF8.self)
                    }
                    if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) {
                        continuation.resume(returning: String(line))
                        return
                    }
                    if chunk.isEmpty {
                        continuation.resume(returning: nil)
                        return
                    }
                }
            }
        }
    }

    /// Waits for the process to end and returns everything it printed.
    func finish() async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [exited] in
                exited.wait()
                continuation.resume()
            }
        }
        let rest = (try? output.fileHandleForReading.readToEnd()) ?? Data()
        let stderr = (try? errors.fileHandleForReading.readToEnd()) ?? Data()
        let stdout = lock.withLock {
            collectedOutput.append(rest)
            return String(decoding: collectedOutput, as: UTF8.self)
        }
        return Result(
            status: process.terminationStatus,
            stdout: stdout,
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// Runs a one-shot command (key and certificate generation) to completion.
    static func run(_ arguments: [String]) async throws -> Result {
        let tool = try OpenSSLTool(arguments)
        tool.closeInput()
        return await tool.finish()
    }
}
