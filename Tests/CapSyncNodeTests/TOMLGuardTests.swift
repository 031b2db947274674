import Testing

@testable import CapSyncNode

/// toml++ aborts the process on these table headers; NodeConfig and PeerList must refuse them as errors
/// (found by fuzzing: tools/fuzz/regressions/config, tools/fuzz/regressions/peers).
@Suite struct TOMLGuardTests {
    static let headers = ["[=]", "[[=]]", "[", "  [ !x]", "[\u{FFFD}[", "[[\r", "[é]"]

    @Test("a table header without a key is an error, not an abort", arguments: headers)
    func refused(header: String) {
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"NO\"\n\(header)\n") }
        #expect(throws: NodeError.self) { try PeerList(toml: "# peers\n\(header)\n") }
    }

    static let braces = ["partner =[  } \"[::1]:0#\"", "a = [1, }", "a = [\n# note\n}", "a = [ 1,\n  }"]

    @Test("a '}' where an array expects a value is an error, not an abort", arguments: braces)
    func braceRefused(text: String) {
        #expect { try NodeConfig(toml: "\(text)\n") } throws: {
            "\($0)".contains("'}' where a value is expected at line")
        }
        #expect(throws: NodeError.self) { try PeerList(toml: "# peers\n\(text)\n") }
    }

    /// Braces inside strings and comments, inline tables in arrays and multi-line strings are not refused.
    @Test func bracesInValidTOMLAreLeftAlone() {
        let valid = [
            "a = [{}]", "a = [ {b = 1}, {c = \"}\"} ]", "a = \"[}\"", "a = '[,}'", "a = \"\"\"\n[ }\n\"\"\"",
            "a = [1] # [ }", "a = \"x\\\"[}\"", "a = '''\n, }'''",
        ]
        for text in valid { #expect(TOMLGuardProbe.braceLine(text) == nil, "\(text)") }
        #expect(TOMLGuardProbe.braceLine("a = 1\nb = \"\"\"\n\n\"\"\"\nc = [ }") == 5)
    }

    @Test func validHeadersStillParse() throws {
        #expect(
            try NodeConfig(toml: "partner = \"NO\"\n[ sync ]\ntime = \"01:00\"\n[\"status\"]\nstale_days = 3\n")
                .staleDays == 3
        )
        #expect(
            try PeerList(
                toml:
                    "[[peer]]\npartner = \"NL\"\naddress = \"10.0.0.2:7420\"\nkey = \"MwTDo3HEF2n0hk5+cYtuwGQIHm550a9/Q3cPCZRZrzw=\"\n"
            ).peers.count == 1
        )
    }
}

enum TOMLGuardProbe {
    static func braceLine(_ text: String) -> Int? { TOMLGuard.braceWhereValueExpectedLine(text) }
}
