import Foundation
import Testing

/// Headless Chromium (Debian package `chromium`; `.ci/run` installs it) run on a local file with its own profile
/// directory and its background services switched off, recording a net log of every request it makes.
struct HeadlessChromium {
    struct Rendering {
        /// The document after its scripts ran (`--dump-dom`).
        let dom: String
        /// URLs requested by the page itself (a request with an initiator); the browser's own background requests
        /// carry none and are not counted.
        let pageRequests: [String]
    }

    static let binary: String? = {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"] { return path }
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }()

    let cli: CLI

    private func arguments(_ name: String) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--user-data-dir=\(cli.path("chromium-profile-\(name)"))",
        ]
    }

    /// Loads `file` (a path in the scenario's directory) from file://, waits for its scripts, returns the DOM.
    func render(_ file: String) throws -> Rendering {
        let binary = try #require(Self.binary, "headless Chromium is needed: apt-get install -y chromium")
        let netLog = cli.path("\(file).netlog.json")
        let result = try CLI.exec(
            binary,
            arguments(file) + ["--log-net-log=\(netLog)", "--dump-dom", "file://" + cli.path(file)],
            in: cli.directory,
            timeout: 120
        )
        #expect(result.status == 0, "chromium --dump-dom \(file): \(result.stderr.suffix(2000))")
        return Rendering(dom: result.stdout, pageRequests: try Self.pageRequests(netLog))
    }

    /// Writes a PNG of `file` at the given window size.
    func screenshot(_ file: String, to png: String, width: Int = 1280, height: Int = 1600) throws {
        let binary = try #require(Self.binary, "headless Chromium is needed: apt-get install -y chromium")
        let result = try CLI.exec(
            binary,
            arguments(file + "-shot") + [
                "--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=\(cli.path(png))",
                "file://" + cli.path(file),
            ],
            in: cli.directory,
            timeout: 120
        )
        #expect(result.status == 0, "chromium --screenshot \(file): \(result.stderr.suffix(2000))")
    }

    /// Prints `file` to PDF as the page's print stylesheet lays it out; returns the PDF's bytes.
    func printToPDF(_ file: String) throws -> Data {
        let binary = try #require(Self.binary, "headless Chromium is needed: apt-get install -y chromium")
        let pdf = cli.path(file + ".pdf")
        let result = try CLI.exec(
            binary,
            arguments(file + "-print") + [
                "--no-pdf-header-footer", "--print-to-pdf=\(pdf)", "file://" + cli.path(file),
            ],
            in: cli.directory,
            timeout: 120
        )
        #expect(result.status == 0, "chromium --print-to-pdf \(file): \(result.stderr.suffix(2000))")
        return try Data(contentsOf: URL(fileURLWithPath: pdf))
    }

    /// The URLs of URL_REQUEST_START_JOB events whose initiator is an origin (a page's request; a file:// page's
    /// origin is "null"). Chromium's own update and account checks have the initiator "not an origin".
    static func pageRequests(_ netLog: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: netLog))
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "net log \(netLog)")
        let constants = try #require(log["constants"] as? [String: Any])
        let types = try #require(constants["logEventTypes"] as? [String: Int])
        let startJob = try #require(types["URL_REQUEST_START_JOB"])
        let events = try #require(log["events"] as? [[String: Any]])
        return events.compactMap { event in
            guard event["type"] as? Int == startJob, let params = event["params"] as? [String: Any],
                let url = params["url"] as? String
            else { return nil }
            return params["initiator"] as? String == "not an origin" ? nil : url
        }
    }
}
