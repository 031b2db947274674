import CapSyncCrypto
import Foundation
import Testing

/// Nodes for tests that drive the real binary: NO, with NL and US in its roster (keys only, no directories).
extension CLI {
    /// Creates node NO (listening on a free port) whose roster also holds partners NL and US.
    func makeNodeNO() throws {
        try ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        for partner in ["NL", "US"] {
            try ok([
                "roster", "add", "--dir", "NO", "--partner", partner, "--key",
                try Ed25519PrivateKey.generate().publicKey.base64,
            ])
        }
    }

    /// `capsync report` on node NO with the given values.
    @discardableResult
    func report(
        _ item: String = "SHELL-155-HE",
        site: String = "Raufoss",
        period: String = "2026-11",
        capacity: Int = 100,
        output: Int = 90,
        extra: [String] = []
    ) throws -> Result {
        try run(
            [
                "report", "--dir", "NO", "--item", item, "--site", site, "--period", period, "--capacity",
                "\(capacity)",
                "--output", "\(output)", "--stock", "40", "--threshold", "10",
            ] + extra
        )
    }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
    }

    /// A UTC day `offset` days from now, YYYY-MM-DD.
    static func utcDay(offset: Int = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }
}
