import CapSyncMerge
import CapSyncNode
import Testing

/// The months `report` and `import` accept: 2000-01 to 24 months after the current one.
@Suite struct PeriodRangeTests {
    /// 2026-11-28T12:00:00Z.
    static let now: UInt64 = 1_795_867_200_000

    @Test func theRangeRunsFrom2000To24MonthsAhead() throws {
        let accepted = PeriodRange.accepted(nowMilliseconds: Self.now)
        #expect(accepted == (try Period("2000-01"))...(try Period("2028-11")))
        // A clock stuck in 1970 still leaves a valid range: 2000-01 alone.
        #expect(PeriodRange.accepted(nowMilliseconds: 0) == (try Period("2000-01"))...(try Period("2000-01")))
        let refusal = PeriodRange.refusal(try Period("2031-01"), accepted: accepted)
        #expect(refusal.contains("2031-01 is outside the months that may be reported, 2000-01 to 2028-11"))
    }

    @Test func importRefusesRowsOutsideTheRangeNamingLineAndValue() throws {
        let accepted = PeriodRange.accepted(nowMilliseconds: Self.now)
        let header = "item,site,period,capacity,output,stock,threshold\n"
        let good = try ReportImport.read(
            csv: header + "SHELL-155-HE,Raufoss,2028-11,1,1,1,1\nSHELL-155-HE,Raufoss,2000-01,1,1,1,1\n",
            partner: "NO",
            acceptedPeriods: accepted
        )
        #expect(good.reports.count == 2)
        do {
            _ = try ReportImport.read(
                csv: header + "SHELL-155-HE,Raufoss,2026-11,1,1,1,1\nSHELL-155-HE,Raufoss,1999-12,1,1,1,1\n"
                    + "SHELL-155-HE,Raufoss,2028-12,1,1,1,1\n",
                partner: "NO",
                source: "typo.csv",
                acceptedPeriods: accepted
            )
            Issue.record("months outside the range were accepted")
        } catch {
            #expect(error.code == .periodOutOfRange)
            #expect(error.reason.contains("line 3, column 3 (period): 1999-12 is outside"), "\(error)")
            #expect(error.reason.contains("line 4, column 3 (period): 2028-12 is outside"), "\(error)")
            #expect(error.context == "typo.csv")
        }
        // Without a range (older callers), any month the payload allows is read.
        #expect(
            try ReportImport.read(csv: header + "SHELL-155-HE,Raufoss,1999-12,1,1,1,1\n", partner: "NO").reports.count
                == 1
        )
    }
}
