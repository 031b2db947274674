public import CapSyncCrypto

/// Roster proposals and approvals travel as log entries (Protocol/roster.md §7): signed by their author like any
/// entry, stored, relayed, audited and bundled with everything else, so no partner ever handles another
/// partner's file. The fold changes no record for them; the roster ledger reads them.
public enum RosterGovernance {
    /// Kind of an entry whose payload is a proposed roster version's body (§6.2), without approvals.
    public static let proposalKind: UInt64 = 16
    /// Kind of an entry whose payload approves a proposed version: its hash and the approval signature.
    public static let approvalKind: UInt64 = 17
    public static let kinds: Set<UInt64> = [proposalKind, approvalKind]

    /// Decodes a proposal payload: exactly one version body, nothing after it.
    public static func proposal(fromPayload payload: [UInt8]) throws(WireError) -> RosterVersion {
        try RosterVersion(decodingBody: payload)
    }

    /// The payload proposing `version` (its body).
    public static func proposalPayload(_ version: RosterVersion) -> [UInt8] { version.body }

    /// An approval entry's payload: the approved version's hash (§6.3) and the Ed25519 signature of the
    /// entry's author key over the version's approval message.
    public struct Approval: Sendable, Hashable {
        public var versionHash: Bytes32
        public var signature: [UInt8]

        public init(versionHash: Bytes32, signature: [UInt8]) {
            self.versionHash = versionHash
            self.signature = signature
        }

        public static let payloadSize = 32 + 64

        public init(payload: [UInt8]) throws(WireError) {
            guard payload.count == Approval.payloadSize else {
                throw WireError(
                    payload.count < Approval.payloadSize ? .truncated : .trailingBytes,
                    "a roster approval is a 32-byte version hash and a 64-byte signature (\(Approval.payloadSize) bytes), not \(payload.count)",
                    offset: min(payload.count, Approval.payloadSize),
                    context: "roster approval"
                )
            }
            versionHash = Bytes32(Array(payload[0..<32]))
            signature = Array(payload[32..<96])
        }

        public var payload: [UInt8] { versionHash.bytes + signature }

        /// Signs `version`'s approval message with `key`.
        public static func signing(_ version: RosterVersion, with key: Ed25519PrivateKey) throws(WireError) -> Approval
        {
            do {
                return Approval(versionHash: version.hash, signature: try key.signature(for: version.approvalMessage))
            } catch {
                throw WireError(.badSignature, "signing the roster approval failed: \(error)")
            }
        }
    }
}
