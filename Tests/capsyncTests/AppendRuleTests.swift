import Foundation
import Testing

/// Appends the fold would ignore are refused with the rule named; legal but suspicious ones are warned about; a
/// repeated join or leave changes nothing and says so.
@Suite struct AppendRuleTests {
    func entryCount(_ cli: CLI) throws -> Int {
        let json = try cli.ok(["log", "--dir", "NO", "--format", "json"])
        return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])?.count ?? -1
    }

    @Test func pledgesToAnUnknownPartnerOrToOnesOwnNeedAreRefused() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let outsider = try cli.run(["pledge", "--dir", "NO", "--need", "XX:NEED-999", "--quantity", "5"])
        #expect(outsider.status == 1)
        #expect(outsider.stderr.contains("unknown partner 'XX'"), "\(outsider.stderr)")
        #expect(outsider.stderr.contains("A pledge counts only towards the need of a roster partner"))
        let caseSlip = try cli.run(["pledge", "--dir", "NO", "--need", "us:NEED-1", "--quantity", "5"])
        #expect(caseSlip.status == 1)
        #expect(caseSlip.stderr.contains("did you mean 'US'?"))

        try cli.ok([
            "need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "50", "--due",
            "2027-01-31",
        ])
        let own = try cli.run(["pledge", "--dir", "NO", "--need", "NO:NEED-1", "--quantity", "5"])
        #expect(own.status == 1)
        #expect(own.stderr.contains("a partner cannot pledge towards its own need"), "\(own.stderr)")
        #expect(own.stderr.contains("selfPledge"))
        #expect(try entryCount(cli) == 1)
    }

    @Test func aPledgeToANeedNotYetSeenIsAppendedWithAWarning() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let pledge = try cli.run(["pledge", "--dir", "NO", "--need", "US:NEED-404", "--quantity", "5"])
        #expect(pledge.status == 0, "\(pledge.output)")
        #expect(pledge.stderr.contains("warning: this node holds no need US:NEED-404 yet"))
        #expect(try entryCount(cli) == 1)
    }

    @Test func retractingARecordThatNeverExistedIsRefused() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let nothing = try cli.run([
            "retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
        ])
        #expect(nothing.status == 1)
        #expect(
            nothing.stderr.contains(
                "NO has no report for SHELL-155-HE at Raufoss in 2026-11, so there is nothing to retract"
            )
        )
        #expect(try cli.report(period: "2026-10").status == 0)
        let wrongMonth = try cli.run([
            "retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
        ])
        #expect(wrongMonth.status == 1)
        #expect(wrongMonth.stderr.contains("Reports of NO for SHELL-155-HE: Raufoss 2026-10"), "\(wrongMonth.stderr)")

        let retract = ["retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-10"]
        #expect(try cli.ok(retract).contains("appended seq 2"))
        let again = try cli.run(retract)
        #expect(again.status == 0)
        #expect(again.stdout.contains("is already retracted"))
        #expect(try entryCount(cli) == 2)
    }

    @Test func poolJoinAndLeaveAreSymmetricNoOpsWhenNothingWouldChange() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let leaveFirst = try cli.run(["pool", "leave", "--dir", "NO", "--item", "BARREL-155"])
        #expect(leaveFirst.status == 0)
        #expect(leaveFirst.stdout.contains("NO is not in the pool for BARREL-155; nothing appended"))
        #expect(try cli.ok(["pool", "join", "--dir", "NO", "--item", "BARREL-155"]).contains("appended seq 1"))
        let joinAgain = try cli.run(["pool", "join", "--dir", "NO", "--item", "BARREL-155"])
        #expect(joinAgain.status == 0)
        #expect(joinAgain.stdout.contains("NO is already in the pool for BARREL-155; nothing appended"))
        #expect(try entryCount(cli) == 1)
        #expect(try cli.ok(["pool", "leave", "--dir", "NO", "--item", "BARREL-155"]).contains("appended seq 2"))
        let unknownItem = try cli.run(["pool", "leave", "--dir", "NO", "--item", "barrel-155"])
        #expect(unknownItem.status == 1)
        #expect(unknownItem.stderr.contains("did you mean 'BARREL-155'?"))
    }

    @Test func outputAboveCapacityIsAppendedWithAWarning() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let result = try cli.report(capacity: 100, output: 500)
        #expect(result.status == 0)
        #expect(
            result.stderr.contains("warning: output 500 is above capacity 100 for SHELL-155-HE at Raufoss in 2026-11")
        )
        #expect(try entryCount(cli) == 1)
        let quiet = try cli.report(capacity: 100, output: 500, extra: ["--quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)
        #expect(quiet.stderr.contains("warning: output 500"))
    }
}
