import CapSyncNode
import Testing

/// toml++ aborts the process on these table headers; NodeConfig and PeerList must refuse them as errors
/// (found by fuzzing: tools/fuzz/regressions/config, tools/fuzz/regressions/peers).
@Suite struct TOMLGuardTests {
    static let headers = ["[=]", "[[=]]", "[", "  [ !x]", "[\u{FFFD}[", "[[\r", "[é]"]

    @Test("a table header without a key is an error, not an abort", arguments: headers)
    func refused(header: String) {
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"NO\"\n\(header)\n") }
        #expect(throws: NodeError.self) { try PeerList(toml: "# peers\n\(header)\n") }
    }

    @Test func validHeadersStillParse() throws {
        #expect(try NodeConfig(toml: "partner = \"NO\"\n[ sync ]\ntime = \"01:00\"\n[\"status\"]\nstale_days = 3\n").staleDays == 3)
        #expect(try PeerList(toml: "[[peer]]\npartner = \"NL\"\naddress = \"10.0.0.2:7420\"\nkey = \"MwTDo3HEF2n0hk5+cYtuwGQIHm550a9/Q3cPCZRZrzw=\"\n").peers.count == 1)
    }
}
