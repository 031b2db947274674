import Testing

/// A filter naming a partner or item that does not exist is an error with the nearest codes, never an empty table.
@Suite struct UnknownCodeTests {
    struct Case: Sendable, CustomStringConvertible {
        var arguments: [String]
        var message: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let cases = [
        Case(
            arguments: ["state", "--partner", "no"],
            message: "unknown partner 'no': codes are case-sensitive, did you mean 'NO'?"
        ),
        Case(arguments: ["state", "--partner", "XX"], message: "unknown partner 'XX'"),
        Case(arguments: ["state", "--partner", "NLD"], message: "did you mean 'NL'?"),
        Case(
            arguments: ["state", "--item", "shell-155-he"],
            message: "unknown item code 'shell-155-he': codes are case-sensitive, did you mean 'SHELL-155-HE'?"
        ),
        Case(arguments: ["state", "--item", "SHELL-155-H"], message: "did you mean 'SHELL-155-HE'"),
        Case(arguments: ["state", "--item", "NOPE-1"], message: "unknown item code 'NOPE-1'; known: BARREL-155"),
        Case(arguments: ["state", "--partner", "NO", "--item", "NOPE-1"], message: "unknown item code 'NOPE-1'"),
        Case(arguments: ["log", "--author", "nl"], message: "did you mean 'NL'?"),
        Case(arguments: ["log", "--author", "XX"], message: "roster partners: NL, NO, US"),
    ]

    @Test(arguments: cases)
    func unknownCodesAreErrorsNamingTheNearestValidOnes(_ testCase: Case) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let result = try cli.run(testCase.arguments + ["--dir", "NO"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(testCase.message), "\(result.stderr)")
    }

    @Test func knownCodesStillFilter() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.report().status == 0)
        #expect(
            try cli.ok([
                "state", "--dir", "NO", "--partner", "NO", "--item", "SHELL-155-HE", "--format", "csv", "--table",
                "reports",
            ])
            .contains("Raufoss")
        )
        #expect(
            try cli.ok(["state", "--dir", "NO", "--partner", "US", "--format", "csv", "--table", "reports"]).contains(
                "Raufoss"
            ) == false
        )
        #expect(
            try cli.ok(["state", "--dir", "NO", "--item", "BARREL-155", "--format", "csv", "--table", "totals"])
                .contains("SHELL-155-HE")
                == false
        )
    }
}
