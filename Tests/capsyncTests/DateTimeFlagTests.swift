import Foundation
import Testing

/// Every date/time flag reads one set of forms; anything else is a usage error (64) showing them.
@Suite struct DateTimeFlagTests {
    static let refused = [
        "2026-11-28xyz", "2026-11-28T06:21:00", "2026-11-28 06:21:00Z", "28/11/2026", "2026-13-01", "2026-02-30",
        "2026-11-28T24:00Z", "2026-11-28T06:21:00.Z", "2026-11-28T06:21:00Zjunk", "2026-11-28T06:21:00+25:00",
        "yesterday", "",
    ]
    static let accepted = [
        "2026-11-28", "2026-11-28T06:21:00Z", "2026-11-28T06:21:00.5Z", "2026-11-28T06:21:00.000Z",
        "2026-11-28T07:21+01:00",
        "2026-11-28T01:21:00.123456789-05:00", "2026-11-28T07:21:00+0100",
    ]

    @Test(arguments: refused)
    func asOfAndSinceRefuseAnythingElseWithTheForms(_ value: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        for arguments in [
            ["state", "--dir", "NO", "--as-of", value], ["state", "diff", "--dir", "NO", "--since", value],
        ] {
            let result = try cli.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.output)")
            #expect(
                result.stderr.contains("use YYYY-MM-DD (a UTC day), or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset")
            )
        }
    }

    @Test(arguments: accepted)
    func asOfAndSinceAcceptDatesAndZonedTimes(_ value: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.run(["state", "--dir", "NO", "--as-of", value]).status == 0)
        #expect(try cli.run(["state", "diff", "--dir", "NO", "--since", value]).status == 0)
    }

    @Test func sinceADayStartsAtItsFirstMomentAndAsOfADayRunsToItsEnd() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let today = CLI.utcDay()
        #expect(try cli.report().status == 0)
        // Midnight UTC passed between the report and now: nothing to compare.
        guard today == CLI.utcDay() else { return }
        let diff = try cli.ok(["state", "diff", "--dir", "NO", "--since", today, "--format", "csv"])
        #expect(diff.contains("SHELL-155-HE"), "a report made today is a change since today: \(diff)")
        #expect(
            try cli.ok(["state", "diff", "--dir", "NO", "--since", CLI.utcDay(offset: 1), "--format", "csv"]).contains(
                "SHELL-155-HE"
            ) == false
        )
        #expect(
            try cli.ok(["state", "--dir", "NO", "--as-of", today, "--format", "csv", "--table", "totals"]).contains(
                "SHELL-155-HE"
            )
        )
        #expect(
            try cli.ok([
                "state", "--dir", "NO", "--as-of", CLI.utcDay(offset: -1), "--format", "csv", "--table", "totals",
            ]).contains(
                "SHELL-155-HE"
            ) == false
        )
        let tomorrowInTokyo = CLI.utcDay(offset: 1) + "T08:59:59.999+09:00"
        #expect(
            try cli.ok(["state", "--dir", "NO", "--as-of", tomorrowInTokyo, "--format", "csv", "--table", "totals"])
                .contains("SHELL-155-HE")
        )
    }

    @Test func helpStatesWhichEndOfTheDayEachFlagMeans() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let show = try cli.run(["state", "show", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(show.contains("through the end of that day"))
        let diff = try cli.run(["state", "diff", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(diff.contains("from the start of that day"))
    }

    @Test(arguments: ["2027-02-30", "2027-1-31", "31.01.2027", "2027-01-31T00:00Z", "2027-01-31x"])
    func dueTakesOnlyACalendarDay(_ value: String) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let result = try cli.run([
            "need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "5", "--due", value,
        ])
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains("use a calendar day YYYY-MM-DD"))
    }
}
