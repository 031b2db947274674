import ArgumentParser
import CapSyncMerge

/// "Did you mean": the valid codes nearest to what was typed, so a typo is answered with the fix, not with an
/// empty table.
enum Suggestions {
    /// Up to `limit` candidates, nearest first: a case-insensitive match, then prefixes either way, then by edit
    /// distance (within a third of the longer word's length, at least 1).
    static func nearest(to typed: String, among candidates: [String], limit: Int = 3) -> [String] {
        let word = typed.uppercased()
        let ranked = candidates.compactMap { candidate -> (Int, String)? in
            let upper = candidate.uppercased()
            if upper == word { return (0, candidate) }
            if upper.hasPrefix(word) || word.hasPrefix(upper) { return (1, candidate) }
            let distance = editDistance(Array(word.utf8), Array(upper.utf8))
            return distance <= max(1, max(word.count, upper.count) / 3) ? (1 + distance, candidate) : nil
        }
        return ranked.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(limit).map(\.1)
    }

    /// One sentence for an unknown code: the case fix when that is all it is, else the nearest codes, else all.
    static func unknown(_ what: String, _ typed: String, among candidates: [String]) -> String {
        if let exact = candidates.first(where: { $0 != typed && $0.uppercased() == typed.uppercased() }) {
            return "unknown \(what) '\(typed)': codes are case-sensitive, did you mean '\(exact)'?"
        }
        let near = nearest(to: typed, among: candidates)
        if !near.isEmpty {
            return "unknown \(what) '\(typed)'; did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?"
        }
        let listed = candidates.isEmpty ? "none" : candidates.joined(separator: ", ")
        return "unknown \(what) '\(typed)'; known: \(listed)"
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Refuses an item code not in the catalog, naming the nearest codes.
    static func requireItem(_ code: String, flag: String = "--item") throws {
        guard Catalog.standard.item(code) == nil else { return }
        throw CLIError(
            "\(flag): " + unknown("item code", code, among: Catalog.standard.items.map(\.code))
                + " ('capsync catalog' lists them)"
        )
    }

    /// Refuses an item code that is neither built in nor defined in the coalition catalog as of the node's state
    /// (`catalog` is asked only when the code is not built in, so the common case folds nothing).
    static func requireItem(_ code: String, flag: String = "--item", catalog: () throws -> CoalitionCatalog) throws {
        guard Catalog.standard.item(code) == nil else { return }
        let known = try catalog()
        guard known.item(code) == nil else { return }
        throw CLIError(
            "\(flag): " + unknown("item code", code, among: known.items.map(\.code))
                + " ('capsync catalog' lists them; 'capsync catalog add' defines one for the coalition)"
        )
    }
}
