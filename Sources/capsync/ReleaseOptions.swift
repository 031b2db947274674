import ArgumentParser
import CapSyncWire

/// `--release-to NL,US`: the entry is sealed so that only those partners (and this one) can read it, while
/// every node still stores, relays and audits it (Protocol/releasability.md).
struct ReleaseOptions: ParsableArguments {
    @Option(
        name: .customLong("release-to"),
        help: ArgumentHelp(
            "Share with these partners only (comma-separated codes, e.g. NL,US); this partner is always included.",
            valueName: "partners"
        )
    )
    var releaseTo: String?
    @Option(
        help: ArgumentHelp(
            "With --release-to: also give the coalition these figures rounded to the nearest multiple of N; the "
                + "named partners see the exact ones.",
            valueName: "N"
        )
    )
    var roundTo: UInt64?

    func validate() throws {
        _ = try partners()
        if let roundTo {
            guard releaseTo != nil else { throw ValidationError("--round-to goes with --release-to") }
            guard roundTo >= 2 else { throw ValidationError("--round-to: give a step of 2 or more, not \(roundTo)") }
        }
    }

    /// `value` to the nearest multiple of `step`, halves rounded up (Protocol/releasability.md §6).
    static func round(_ value: UInt64, to step: UInt64) -> UInt64 {
        let down = value / step * step
        return value - down >= (step + 1) / 2 ? down + step : down
    }

    /// The partner codes, or nil for a coalition-wide entry.
    func partners() throws -> [String]? {
        guard let releaseTo else { return nil }
        let codes = releaseTo.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !codes.isEmpty, !codes.contains(where: \.isEmpty) else {
            throw ValidationError("--release-to: give partner codes separated by commas, e.g. NL,US")
        }
        for code in codes {
            do { try Roster.validatePartnerCode(code) } catch {
                throw ValidationError("--release-to: \(code): \(error.reason)")
            }
        }
        return codes
    }
}
