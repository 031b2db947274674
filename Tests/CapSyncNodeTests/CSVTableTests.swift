import CapSyncNode
import Testing

@Suite struct CSVTableTests {
    @Test func parsesQuotedFieldsAndCRLF() throws {
        let table = try CSVTable(parsing: "item,site,note\r\nA,\"Raufoss, NO\",\"say \"\"hi\"\"\"\r\nB,x,\"two\nlines\"\r\n")
        #expect(table.header == ["item", "site", "note"])
        #expect(table.rows.map(\.fields) == [["A", "Raufoss, NO", "say \"hi\""], ["B", "x", "two\nlines"]])
        #expect(table.rows.map(\.line) == [2, 3])
    }

    @Test func blankLinesAreSkippedAndLastLineNeedsNoNewline() throws {
        let table = try CSVTable(parsing: "a,b\n\n1,2\n3,4")
        #expect(table.rows.map(\.fields) == [["1", "2"], ["3", "4"]])
        #expect(table.rows.map(\.line) == [3, 4])
    }

    @Test(arguments: [
        ("a,b\n1,2,3\n", "line 2, column 1: expected 2 fields"),
        ("a,b\n1,\"2\n", "line 2, column 3: a quoted field is never closed"),
        ("a,b\n1,x\"y\n", "line 2, column 4: a quote inside an unquoted field"),
        ("a,b\n1,\"x\"y\n", "line 2, column 6: unexpected character after a closing quote"),
        ("", "the file is empty"),
    ])
    func errorsNameLineAndColumn(input: String, message: String) {
        #expect {
            try CSVTable(parsing: input, source: "r.csv")
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("r.csv")
        }
    }
}
