import Foundation
import Testing

/// Every subcommand with good and bad input, against the real binary: exit status and the words on stderr, so that
/// wrong input keeps being answered with a clear "no" (64: wrong flags or values; 1: the command failed).
@Suite struct CLITableTests {
    struct Case: Sendable, CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        /// Must appear on stderr (or, for a success, on stdout).
        var words: String

        init(_ arguments: [String], _ status: Int32, _ words: String = "") {
            self.arguments = arguments
            self.status = status
            self.words = words
        }

        var description: String { arguments.joined(separator: " ") }
    }

    static let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    static let report = [
        "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--capacity", "10", "--output", "9",
        "--stock", "4", "--threshold", "1",
    ]
    static let need = ["need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "5"]

    static let good: [Case] = [
        Case(["state", "--dir", "NO"], 0, "Coalition totals"),
        Case(["state", "--dir", "NO", "--as-of", "2026-11-28T06:21:00.5Z"], 0, "as of 2026-11-28T06:21:00Z"),
        Case(["state", "diff", "--dir", "NO", "--since", "2026-11-01"], 0, "Changes since 2026-11-01T00:00:00Z"),
        Case(["state", "--dir", "NO", "--digest"], 0, "state_digest"),
        Case(["state", "--dir", "NO", "--partner", "NL"], 0, "NL: capacity reports"),
        Case(["state", "--dir", "NO", "--period", "2026-11", "--by", "site"], 0, "Totals by site for 2026-11"),
        Case(
            ["state", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-11"],
            0,
            "Who makes it where, 2026-11"
        ),
        Case(
            ["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-11"],
            0,
            "SHELL-155-HE by month"
        ),
        Case(["state", "shortfalls", "--dir", "NO", "--match"], 0, "Suggested matches (from reported figures"),
        Case(["log", "--dir", "NO", "--author", "NO"], 0, "(none)"),
        Case(["roster", "--dir", "NO"], 0, "Roster serial 1"),
        Case(["peers", "--dir", "NO"], 0, "(none)"),
        Case(["id", "--dir", "NO"], 0, "signing_key"),
        Case(["catalog", "--dir", "NO"], 0, "SHELL-155-HE"),
        Case(["catalog"], 0, "BARREL-155"),
        Case(report + ["--period", "2026-11"], 0, "appended seq 1"),
        Case(report + ["--period", "2026-11", "--quiet"], 0, ""),
        Case(need + ["--due", "2027-01-31"], 0, "appended seq 1"),
        Case(["pool", "join", "--dir", "NO", "--item", "BARREL-155"], 0, "appended seq 1"),
        Case(["pool", "leave", "--dir", "NO", "--item", "BARREL-155"], 0, "not in the pool"),
        Case(["audit", "--dir", "NO"], 0, ""),
        Case(["status", "--dir", "NO"], 0, ""),
    ]

    static let bad: [Case] = [
        Case(["stat"], 64, "Did you mean 'capsync state' or 'capsync status'?"),
        Case(["reprot", "--dir", "NO"], 64, "Did you mean 'capsync report'?"),
        Case(["roster", "ad", "x.card"], 64, "Did you mean 'capsync roster add'?"),
        Case(["state", "dif", "--since", "2026-11-01"], 64, "Did you mean 'capsync state diff'?"),
        Case(["state", "--dir", "NO", "--as-of", "2026-11-28xyz"], 64, "use YYYY-MM-DD (a UTC day)"),
        Case(["state", "diff", "--dir", "NO", "--since", "2026-11-28T06:21:00"], 64, "with Z or an offset"),
        Case(["state", "--dir", "NO", "--partner", "NO", "--digest"], 64, "cannot be combined with --partner"),
        Case(["state", "--dir", "NO", "--item", "SHELL-155-HE", "--digest"], 64, "cannot be combined with --item"),
        Case(["state", "--dir", "NO", "--format", "xml"], 64, "'xml'"),
        Case(["state", "--dir", "NO", "--period", "2026-13"], 64, "--period: 2026-13 is not a month"),
        Case(["state", "--dir", "NO", "--stale-after=-1"], 64, "--stale-after: -1 is not a number of months"),
        Case(["state", "--dir", "NO", "--by", "country"], 64, "'country' is not one of: item, partner, site"),
        Case(["state", "--dir", "NO", "--by", "site", "--digest"], 64, "cannot be combined with --by"),
        Case(["state", "--dir", "NO", "--by", "site", "--partner", "NO"], 64, "--by groups totals"),
        Case(["state", "trend", "--dir", "NO"], 64, "Missing expected argument '--item <item>'"),
        Case(
            ["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--from", "2026-11", "--to", "2026-01"],
            64,
            "--from 2026-11 is after --to 2026-01"
        ),
        Case(
            ["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--from", "2000-01", "--to", "2026-01"],
            64,
            "a trend covers at most 240"
        ),
        Case(
            ["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--to", "26-01"],
            64,
            "--to: '26-01' is not a month"
        ),
        Case(["state", "trend", "--dir", "NO", "--item", "NOPE-1"], 1, "unknown item code 'NOPE-1'"),
        Case(report + ["--period", "1999-12"], 64, "1999-12 is outside the months that may be reported, 2000-01 to"),
        Case(["state", "--dir", "NO", "--partner", "no"], 1, "did you mean 'NO'?"),
        Case(["state", "--dir", "NO", "--item", "NOPE-1"], 1, "unknown item code 'NOPE-1'"),
        Case(["state", "--dir", "nowhere"], 1, "not a CapSync node directory"),
        Case(["log", "--dir", "NO", "--limit=-1"], 64, "--limit must be 0 (all) or more"),
        Case(["log", "--dir", "NO", "--author", "XX"], 1, "roster partners: NL, NO, US"),
        Case(["serve", "--dir", "NO", "--listen", "localhost"], 64, "--listen: address 'localhost' must be host:port"),
        Case(["serve", "--dir", "NO", "--listen", "127.0.0.1:99999"], 64, "the port must be 0–65535"),
        Case(["sync", "--dir", "NO", "--log-level", "loud"], 64, "--log-level must be one of"),
        Case(["init", "--dir", "NEW", "--partner", "NE", "--listen", "localhost"], 64, "write it as HOST:PORT"),
        Case(
            ["init", "--dir", "NEW", "--partner", "NE", "--sync-time", "25:99"],
            64,
            "--sync-time: '25:99' is not a time of day"
        ),
        Case(["init", "--dir", "NEW", "--partner", "ne"], 64, "--partner:"),
        Case(
            ["id", "--dir", "NO", "--card", "--address", "nohost"],
            64,
            "--address: address 'nohost' must be host:port"
        ),
        Case(["peers", "add", "--dir", "NO", "--partner", "NL", "--address", "x", "--key", key], 64, "--address:"),
        Case(
            ["peers", "add", "--dir", "NO", "--partner", "NL", "--address", "10.0.0.7:7420", "--key", "nokey"],
            64,
            "--key: 'nokey' is not a base64 Ed25519 public key"
        ),
        Case(["roster", "add", "--dir", "NO", "--partner", "nl", "--key", key], 64, "--partner:"),
        Case(
            ["roster", "add", "--dir", "NO", "--partner", "NL", "--key", "nokey"],
            64,
            "is not a base64 Ed25519 public key"
        ),
        Case(report + ["--period", "2026-13"], 64, "--period:"),
        Case(report + ["--period", "2026-11", "--item", "shell-155-he"], 1, "did you mean 'SHELL-155-HE'"),
        Case(report + ["--period", "2026-11", "--capacity=-5"], 64, "'-5'"),
        Case(
            ["retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "Nov"],
            64,
            "--period:"
        ),
        Case(
            ["retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11"],
            1,
            "nothing to retract"
        ),
        Case(
            ["retract", "--dir", "NO", "--item", "Shell-155-HE", "--site", "Raufoss", "--period", "2026-11"],
            1,
            "did you mean 'SHELL-155-HE'?"
        ),
        Case(need + ["--due", "2027-02-30"], 64, "use a calendar day YYYY-MM-DD"),
        Case(need + ["--due", "2027-01-31", "--priority", "9"], 64, "--priority must be 1 (most urgent) to 5"),
        Case(["pledge", "--dir", "NO", "--need", "NEED-1", "--quantity", "5"], 64, "--need must be OWNER:ID"),
        Case(["pledge", "--dir", "NO", "--need", "XX:NEED-1", "--quantity", "5"], 1, "unknown partner 'XX'"),
        Case(["pledge", "--dir", "NO", "--need", "NO:NEED-1", "--quantity", "5"], 1, "its own need"),
        Case(["pool", "join", "--dir", "NO", "--item", "barrel-155"], 1, "did you mean 'BARREL-155'?"),
        Case(["roster", "remove", "--dir", "NO", "us"], 1, "did you mean 'US'?"),
        Case(["peers", "remove", "--dir", "NO", "NL"], 1, "unknown peer 'NL'; known: none"),
        Case(["sync", "--dir", "NO", "--peer", "US"], 1, "--peer: unknown peer 'US'; known: none"),
        Case(["import", "--dir", "NO", "missing.csv"], 1, "cannot read CSV file 'missing.csv': no such file"),
        Case(["import", "--dir", "NO", "missing.csv", "--batch-size", "0"], 64, "--batch-size must be 1–100000"),
    ]

    @Test(arguments: good + bad)
    func subcommandAnswers(_ testCase: Case) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let result = try cli.run(testCase.arguments)
        #expect(result.status == testCase.status, "\(result.output)")
        if testCase.status == 0 {
            #expect(testCase.words.isEmpty || result.stdout.contains(testCase.words), "\(result.stdout)")
            if testCase.arguments.contains("--quiet") { #expect(result.stdout.isEmpty) }
        } else {
            #expect(result.stdout.isEmpty, "\(result.stdout)")
            #expect(result.stderr.contains(testCase.words), "\(result.stderr)")
        }
    }

    @Test func rosterAddLastSeqChangesAKeyAlreadyPresent() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        try cli.ok(["roster", "add", "--dir", "NO", "--partner", "UA", "--key", Self.key])
        let changed = try cli.ok([
            "roster", "add", "--dir", "NO", "--partner", "UA", "--key", Self.key, "--last-seq", "7",
        ])
        #expect(changed.contains("changed last valid seq of UA"))
        #expect(changed.contains("none -> 7"))
        let roster = try cli.ok(["roster", "--dir", "NO", "--format", "csv"])
        #expect(roster.contains("UA,\(Self.key),") && roster.contains(",7\n"), "\(roster)")
        #expect(
            try cli.ok(["roster", "add", "--dir", "NO", "--partner", "UA", "--key", Self.key, "--last-seq", "7"])
                .contains("already present")
        )
    }

    @Test func auditExitsFourOnAStoreTooDamagedToOpen() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        for period in ["2026-01", "2026-02", "2026-03"] { #expect(try cli.report(period: period).status == 0) }
        #expect(try cli.run(["audit", "--dir", "NO"]).status == 0)
        let segment = cli.path("NO/store/00000001.seg")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: segment))
        let audit = try cli.run(["audit", "--dir", "NO"])
        #expect(audit.status == 4, "\(audit.output)")
        #expect(audit.stderr.contains("00000001.seg is damaged at byte"))
        #expect(audit.stderr.contains("PROBLEMS FOUND"))
    }

    @Test func aWrongOrMissingPassphraseIsSaidOnceInWords() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.write("right horse battery\n", to: "pass")
        try cli.write("wrong\n", to: "wrong")
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--encrypt", "--passphrase-file", "pass"])
        let wrong = try cli.report(extra: ["--passphrase-file", "wrong"])
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr
                == "Error: NO/keys/signing.key.pem: wrong passphrase for the signing key (read from the first line "
                + "of wrong); check it and try again\n",
            "\(wrong.stderr)"
        )
        let missing = try cli.report()
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains("the signing key is encrypted: give its passphrase with --passphrase-file FILE")
        )
        #expect(!missing.stderr.contains("OpenSSL"))
        #expect(try cli.report(extra: ["--passphrase-file", "pass"]).status == 0)
    }

    @Test func lineBreaksInConstraintsAreEscapedInTablesOnly() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.report(extra: ["--constraints", "TNT supply\nsecond shift from March"]).status == 0)
        let table = try cli.ok(["state", "--dir", "NO", "--partner", "NO"])
        #expect(table.contains("TNT supply\\nsecond shift from March"), "\(table)")
        #expect(table.split(separator: "\n").contains { $0.hasPrefix("second shift") } == false)
        let json = try cli.ok(["state", "--dir", "NO", "--partner", "NO", "--format", "json"])
        #expect(json.contains("TNT supply\\nsecond shift from March"))
    }
}
