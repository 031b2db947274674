import Foundation

/// A `capsync serve --metrics 127.0.0.1:0 --log-format json` in the background: its sync address from the
/// "listening on" line, its metrics address from the `metrics.listening` event it logged before that line.
final class MonitoredDaemon {
    let process = Process()
    let address: String
    let metricsAddress: String
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()
    private var stderrSeen = Data()

    init(_ cli: CLI, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve", "--metrics", "127.0.0.1:0", "--log-format", "json"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cli.directory)
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        while !(String(decoding: buffer, as: UTF8.self).contains("\n")) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self)
        guard let range = line.range(of: "listening on ") else {
            process.terminate()
            let log = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw CLIError("daemon did not start: \(line) \(log)")
        }
        address = String(line[range.upperBound...].prefix { $0 != "\n" })
        // The metrics event was written to stderr before the listening line reached stdout.
        var found: String?
        while found == nil {
            let chunk = stderrPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            stderrSeen.append(chunk)
            found =
                Self.events(in: stderrSeen).first { $0["event"] as? String == "metrics.listening" }?["address"]
                as? String
        }
        guard let found else {
            process.terminate()
            throw CLIError("no metrics.listening event: \(String(decoding: stderrSeen, as: UTF8.self))")
        }
        metricsAddress = found
    }

    /// SIGTERM, then wait; the exit status and every line it logged.
    func stop() -> (Int32, String) {
        process.terminate()
        stderrSeen.append(stderrPipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderrSeen, as: UTF8.self))
    }

    /// The JSON objects of a JSON-lines log (lines that are not JSON objects are left out).
    static func events(in data: Data) -> [[String: Any]] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}
