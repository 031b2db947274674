import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// The text files a node reads from outside: roster, trust cards, capsync.toml, peers.toml and CSV imports.
/// Input bytes are taken as UTF-8 with invalid sequences replaced, as a file read from disk would be.
enum TextTargets {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A roster that parses writes a file that parses to the same roster (and the same hash).
    static func roster(_ bytes: [UInt8]) -> String? {
        guard let roster = try? Roster(fileText: text(bytes)) else { return nil }
        let written = roster.fileText
        guard let again = try? Roster(fileText: written) else {
            return "the written roster does not parse:\n\(written)"
        }
        guard again == roster, again.hash == roster.hash else { return "the written roster parses to another roster" }
        return nil
    }

    /// A card that parses (and verifies) prints a text that parses to the same card.
    static func trustCard(_ bytes: [UInt8]) -> String? {
        guard let card = try? TrustCard(text: text(bytes)) else { return nil }
        let written = card.text
        do {
            guard try TrustCard(text: written) == card else { return "the printed card parses to another card" }
        } catch { return "the printed card does not parse: \(error)\n\(written)" }
        return nil
    }

    /// A config that parses writes a capsync.toml that parses to the same config.
    static func config(_ bytes: [UInt8]) -> String? {
        guard let config = try? NodeConfig(toml: text(bytes)) else { return nil }
        let written = config.tomlText
        do {
            guard try NodeConfig(toml: written) == config else { return "the written config parses to another one" }
        } catch { return "the written capsync.toml does not parse: \(error)\n\(written)" }
        return nil
    }

    /// A peer list that parses writes a peers.toml that parses to the same list.
    static func peers(_ bytes: [UInt8]) -> String? {
        guard let list = try? PeerList(toml: text(bytes)) else { return nil }
        let written = list.tomlText
        do {
            guard try PeerList(toml: written) == list else { return "the written peer list parses to another one" }
        } catch { return "the written peers.toml does not parse: \(error)\n\(written)" }
        return nil
    }

    /// A CSV table written back (by the CLI's CSV writer) parses to the same header and fields; every report an
    /// import accepts is a payload that round-trips.
    static func csv(_ bytes: [UInt8]) -> String? {
        let input = text(bytes)
        // A header that trims to one empty name (" ") cannot be written back: a line holding one empty field
        // reads as blank and is skipped. The import refuses such a table for its missing columns anyway.
        if let table = try? CSVTable(parsing: input), table.header != [""] {
            let written = writeCSV(table)
            let again: CSVTable
            do { again = try CSVTable(parsing: written) } catch { return "the written CSV does not parse: \(error)" }
            guard again.header == table.header else { return "header \(table.header) reads back as \(again.header)" }
            guard again.rows.map(\.fields) == table.rows.map(\.fields) else { return "rows read back differently" }
        }
        guard let reports = try? ReportImport.parse(csv: input, partner: "NO") else { return nil }
        for report in reports {
            if let problem = WireTargets.operationRoundTrip(.capacityReport(report), input: nil) { return problem }
        }
        return nil
    }

    /// The writer `capsync state --format csv` uses.
    static func writeCSV(_ table: CSVTable) -> String {
        CSVTable.render(header: table.header, rows: table.rows.map(\.fields))
    }
}
