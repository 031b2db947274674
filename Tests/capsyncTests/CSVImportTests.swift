import Foundation
import Testing

/// `capsync import` reads CSV as spreadsheets save it, and refuses what it cannot import faithfully, naming the file.
@Suite struct CSVImportTests {
    static let header = "item,site,period,capacity,output,stock,threshold,lead_time_days"

    func importing(
        _ text: String,
        file: String = "reports.csv",
        extra: [String] = [],
        check: (CLI, CLI.Result) throws -> Void
    ) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        try cli.write(text, to: file)
        try check(cli, try cli.run(["import", "--dir", "NO", file] + extra))
    }

    @Test func excelUTF8ByteOrderMarkIsSkipped() throws {
        try importing("\u{FEFF}\(Self.header)\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10,45\n") { cli, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stdout.contains("1 rows read, 0 already standing, 1 appended"))
            #expect(result.stdout.contains("separator ','"))
        }
    }

    @Test func semicolonSeparatedFilesAreDetectedAndSaidSo() throws {
        let text =
            "\u{FEFF}item;site;period;capacity;output;stock;threshold;lead_time_days;constraints\r\n"
            + "SHELL-155-HE;Raufoss;2026-11;100;90;40;10;45;\"TNT, one shift\"\r\nFUZE-PD;Horten;2026-11;5;5;1;1;3;\r\n"
        try importing(text) { cli, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stdout.contains("reports.csv: separator ';'"))
            #expect(result.stdout.contains("2 rows read"))
            let view = try cli.ok(["state", "--dir", "NO", "--partner", "NO", "--format", "csv", "--table", "reports"])
            #expect(view.contains("\"TNT, one shift\""))
        }
    }

    @Test func aMissingColumnNamesTheFileAndTheHeaderRead() throws {
        try importing(
            "item,site,period,capacity,output,stock\nSHELL-155-HE,Raufoss,2026-11,100,90,40\n",
            file: "nov.csv"
        ) { _, result throws in
            #expect(result.status == 1)
            #expect(result.stderr.contains("nov.csv: missing column 'threshold'"), "\(result.stderr)")
            #expect(result.stderr.contains("the header row read with separator ',' is: item,site,period"))
        }
    }

    @Test func extraColumnsAreRefusedUnlessIgnoredByName() throws {
        let text = "\(Self.header),notes,owner\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10,45,hi,me\n"
        try importing(text) { _, result throws in
            #expect(result.status == 1)
            #expect(result.stderr.contains("reports.csv: unexpected columns 'notes', 'owner'"), "\(result.stderr)")
            #expect(result.stderr.contains("--ignore-columns notes,owner"))
        }
        try importing(text, extra: ["--ignore-columns", "notes,owner"]) { _, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stdout.contains("columns ignored: notes, owner"))
            #expect(result.stdout.contains("1 appended"))
        }
    }

    @Test func aTrailingSeparatorIsNoColumnButAnUnnamedColumnWithValuesIsRefused() throws {
        try importing(
            "\(Self.header);\nSHELL-155-HE;Raufoss;2026-11;100;90;40;10;45;\n".replacingOccurrences(of: ",", with: ";")
        ) { _, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stdout.contains("1 appended"))
        }
        try importing("\(Self.header),\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10,45,x\n") { _, result throws in
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("reports.csv: column 9 has no name in the header row but holds values (line 2)"),
                "\(result.stderr)"
            )
        }
    }

    @Test func anEmptyOrAbsentLeadTimeIsTheReportFlagsDefault() throws {
        try importing("\(Self.header)\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10,\n") { cli, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(try cli.report().status == 0)
            #expect(try cli.run(["import", "--dir", "NO", "reports.csv"]).stdout.contains("1 already standing"))
        }
        try importing("item,site,period,capacity,output,stock,threshold\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10\n") {
            cli,
            result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(
                try cli.ok(["state", "--dir", "NO", "--partner", "NO", "--format", "json"]).contains(
                    "\"lead_time_days\" : 0"
                )
            )
        }
    }

    @Test func repeatedItemSitePeriodRowsAreRefusedWithBothLines() throws {
        let text =
            "\(Self.header)\nSHELL-155-HE,Raufoss,2026-11,100,90,40,10,45\nFUZE-PD,Horten,2026-11,5,5,1,1,3\n"
            + "SHELL-155-HE,Raufoss,2026-11,120,90,40,10,45\n"
        try importing(text) { cli, result throws in
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("line 4, column 2 (site): repeats the item, site and period of line 2"),
                "\(result.stderr)"
            )
            #expect(try cli.ok(["log", "--dir", "NO", "--format", "csv"]).contains("SHELL") == false)
        }
    }

    @Test func outputAboveCapacityIsImportedWithAWarning() throws {
        try importing("\(Self.header)\nSHELL-155-HE,Raufoss,2026-11,100,500,40,10,45\n") { _, result throws in
            #expect(result.status == 0, "\(result.output)")
            #expect(result.stderr.contains("warning: reports.csv: line 2: output 500 is above capacity 100"))
        }
    }

    @Test func helpDocumentsSeparatorsExtraColumnsAndRepeats() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let help = try cli.run(["import", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
            .split(separator: " ").joined(separator: " ")
        #expect(help.contains("The separator is ',' or ';'"))
        #expect(help.contains("--ignore-columns"))
        #expect(help.contains("Each (item, site, period) may appear once per file"))
    }
}
