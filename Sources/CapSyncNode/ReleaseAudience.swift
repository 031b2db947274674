import CapSyncWire

/// Who an appended entry is released to (Protocol/releasability.md §7), as `--release-to` or an import file's
/// `release_to` cell gives it.
public enum ReleaseAudience: Sendable, Hashable {
    /// No choice given: coalition-wide, unless the entry updates or answers a restricted value, whose label it
    /// then keeps.
    case unspecified
    /// `coalition`: every partner, even where the value updated was restricted.
    case coalition
    /// Partner codes: those partners and the author's (sorted, each once).
    case partners([String])

    /// Reads `coalition`, or partner codes separated by commas or spaces; empty text is `.unspecified`. The
    /// error's reason says what is wrong, for the caller to name the flag or cell.
    public static func parse(_ text: String) throws(NodeError) -> ReleaseAudience {
        let trimmed = text.trimmed(of: " \t")
        if trimmed.isEmpty { return .unspecified }
        if trimmed == "coalition" { return .coalition }
        let codes = trimmed.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard !trimmed.hasPrefix(","), !trimmed.hasSuffix(","), !trimmed.contains(",,") else {
            throw NodeError(
                .usage,
                "give partner codes separated by commas, e.g. NL,US, or 'coalition' for every partner"
            )
        }
        for code in codes {
            do { try Roster.validatePartnerCode(code) } catch { throw NodeError(.usage, "\(code): \(error.reason)") }
        }
        return .partners(Array(Set(codes)).sorted())
    }
}
