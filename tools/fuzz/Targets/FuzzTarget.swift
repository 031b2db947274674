// CapSyncFuzzTargets: the decoders that read outside bytes, each wrapped as one fuzz target (README, fuzzing).
//
// A target decodes the input; whatever decodes must re-encode to canonical bytes that decode to the same value.
// A decoder that refuses the input is fine; a broken round trip is returned as a `FuzzViolation`. The libFuzzer
// driver (tools/fuzz) traps on a violation, so it counts as a crash; the regression test
// (Tests/CapSyncFuzzReplayTests) replays the kept inputs through the same code without a sanitizer.

/// A round-trip or consistency property that a decoded value broke.
public struct FuzzViolation: Error, Sendable, CustomStringConvertible {
    public var target: FuzzTarget
    public var reason: String

    public init(_ target: FuzzTarget, _ reason: String) {
        self.target = target
        self.reason = reason
    }

    public var description: String { "\(target.rawValue): \(reason)" }
}

/// One decoder under fuzzing. The raw value is the name used on the command line and as the corpus and
/// regression directory name.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `Entry(decoding:)`: one canonical entry.
    case entry
    /// `Operation(kind:payload:)`: first byte picks the kind (mod 16, so unknown kinds are tried too), the rest is
    /// the payload.
    case payload
    /// `FrameDecoder` fed a byte stream in chunks (first byte picks the chunk size): every message type.
    case frames
    /// One frame body of a chosen type (first byte), framed with a correct length: reaches the body decoders of
    /// every message type without spending mutations on the length prefix; ENTRIES runs are rebuilt too.
    case message
    /// `LogStore` opened over a fuzzed segment file on the in-memory file layer (raw, or framed with valid
    /// checksums by the harness so the record decoders behind the CRCs are reached).
    case segment
    /// `Roster(fileText:)`.
    case roster
    /// `RosterVersion(decoding:)`: one roster chain version (Protocol/roster.md §6.2).
    case rosterVersion = "roster-version"
    /// `RosterGovernance.proposal(fromPayload:)`: a roster proposal entry's payload (a version body).
    case rosterProposal = "roster-proposal"
    /// `RosterGovernance.Approval(payload:)`: a roster approval entry's payload.
    case rosterApproval = "roster-approval"
    /// `ItemDefinition(decoding:)`: a catalog item definition payload (entry kind 7).
    case itemDefinition = "item-definition"
    /// `ItemGroup(decoding:)`: an interchangeable item group payload (entry kind 8).
    case itemGroup = "item-group"
    /// `TrustCard(text:)`.
    case trustCard = "trust-card"
    /// `NodeConfig(toml:)` (capsync.toml).
    case config
    /// `PeerList(toml:)` (peers.toml).
    case peers
    /// `CSVTable(parsing:)` and `ReportImport.parse(csv:partner:)`.
    case csv
    /// `BundleReader`: a bundle file (Protocol/bundle.md), whole or with its digest and signature made by the
    /// target.
    case bundle
    /// `SealedPayload(decoding:)`: a sealed entry's payload (kind 18, Protocol/releasability.md §4.1).
    case sealed

    /// Decodes `bytes`; nil when the decoder refused them or the decoded value round-tripped.
    public func check(_ bytes: [UInt8]) -> FuzzViolation? {
        let outcome: String?
        switch self {
        case .entry: outcome = WireTargets.entry(bytes)
        case .payload: outcome = WireTargets.payload(bytes)
        case .frames: outcome = SyncTargets.frames(bytes)
        case .message: outcome = SyncTargets.message(bytes)
        case .segment: outcome = SegmentTarget.open(bytes)
        case .roster: outcome = TextTargets.roster(bytes)
        case .rosterVersion: outcome = WireTargets.rosterVersion(bytes)
        case .rosterProposal: outcome = WireTargets.rosterProposal(bytes)
        case .rosterApproval: outcome = WireTargets.rosterApproval(bytes)
        case .itemDefinition: outcome = WireTargets.itemDefinition(bytes)
        case .itemGroup: outcome = WireTargets.itemGroup(bytes)
        case .trustCard: outcome = TextTargets.trustCard(bytes)
        case .config: outcome = TextTargets.config(bytes)
        case .peers: outcome = TextTargets.peers(bytes)
        case .csv: outcome = TextTargets.csv(bytes)
        case .bundle: outcome = BundleTarget.check(bytes)
        case .sealed: outcome = WireTargets.sealed(bytes)
        }
        return outcome.map { FuzzViolation(self, $0) }
    }
}

extension FuzzTarget {
    /// Whether the sealed payload decoder accepts `bytes` (the replay test checks that mutations reach it).
    public func decodes(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .sealed: WireTargets.decodesSealed(bytes)
        default: false
        }
    }
}

/// Lowercase hex of a few bytes, for violation messages.
func hexPrefix(_ bytes: some Collection<UInt8>, limit: Int = 48) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes.prefix(limit) {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return bytes.count > limit ? text + "…(\(bytes.count) bytes)" : text
}
