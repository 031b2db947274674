/// The membership a roster version leads to (Protocol/roster.md §6.1): every key ever added with its last valid
/// seq, which partners are active, and the threshold.
///
/// Keys are never deleted and last valid seqs only fall, so the `Roster` of a later state allows every entry an
/// earlier state allowed up to the cut-offs the coalition chose: a roster change never rewrites history.
public struct RosterState: Sendable, Hashable {
    public struct Key: Sendable, Hashable {
        public var partner: String
        public var lastValidSeq: UInt64?
        /// Ended by a revocation (compromise) rather than a retirement.
        public var revoked: Bool
    }

    public private(set) var serial: UInt64
    public private(set) var keys: [AuthorKey: Key]
    /// Every partner code ever added: true while active, false once removed.
    public private(set) var partnerActive: [String: Bool]
    public private(set) var thresholdNumerator: UInt64
    public private(set) var thresholdDenominator: UInt64
    /// Each partner's X25519 encryption key in force (Protocol/releasability.md §2): the last one set.
    public private(set) var encryptionKeys: [String: Bytes32] = [:]

    /// The state before genesis: no keys, no partners, and a threshold only genesis may set.
    static let empty = RosterState(
        serial: 0,
        keys: [:],
        partnerActive: [:],
        thresholdNumerator: 0,
        thresholdDenominator: 0
    )

    /// The active partner codes, in roster order (UTF-8 bytes).
    public var partners: [String] {
        partnerActive.filter(\.value).map(\.key).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Approvals the next version needs: the threshold fraction of the active partners, rounded up.
    public var requiredApprovals: Int {
        let count = UInt64(partnerActive.values.filter { $0 }.count)
        guard thresholdDenominator > 0 else { return Int(count) }
        return Int((thresholdNumerator * count + thresholdDenominator - 1) / thresholdDenominator)
    }

    /// Whether `key` may approve the next version for `partner`: an open key of an active partner.
    public func mayApprove(_ key: AuthorKey, for partner: String) -> Bool {
        guard partnerActive[partner] == true, let entry = keys[key] else { return false }
        return entry.partner == partner && entry.lastValidSeq == nil
    }

    /// The partners that hold at least one key that may approve.
    var partnersThatMayApprove: [String] {
        partners.filter { partner in keys.contains { $0.value.partner == partner && $0.value.lastValidSeq == nil } }
    }

    /// The roster of this state: every key with its partner and last valid seq.
    public var roster: Roster {
        // Keys and partner codes were checked when they were added, so building the roster cannot fail.
        let members = keys.map {
            Roster.Member(partner: $0.value.partner, key: $0.key, lastValidSeq: $0.value.lastValidSeq)
        }
        guard let roster = try? Roster(serial: serial, members: members) else {
            preconditionFailure("a roster state holds only valid, distinct keys")
        }
        return roster
    }

    // MARK: Applying a version's changes

    /// The state after `version`'s changes, each judged against the state so far (Protocol/roster.md §6.5 step 5).
    func applying(_ version: RosterVersion) throws(WireError) -> RosterState {
        var next = self
        next.serial = version.serial
        for change in version.changes { try next.apply(change, serial: version.serial) }
        guard next.partnerActive.values.contains(true) else {
            throw illegal("no partner would remain active, so no later version could be approved", version.serial)
        }
        return next
    }

    private mutating func apply(_ change: RosterChange, serial: UInt64) throws(WireError) {
        switch change {
        case .addPartner(let partner, let key):
            if let active = partnerActive[partner] {
                throw illegal(
                    active
                        ? "partner \(partner) is already in the roster"
                        : "partner \(partner) was removed, and partner codes are not reused",
                    serial
                )
            }
            try addKey(key, partner: partner, serial: serial)
            partnerActive[partner] = true
        case .addKey(let partner, let key):
            guard partnerActive[partner] == true else {
                throw illegal("cannot add a key to \(partner): not an active partner", serial)
            }
            try addKey(key, partner: partner, serial: serial)
        case .retireKey(let key, let last), .revokeKey(let key, let last):
            guard var entry = keys[key] else { throw illegal("key \(key.short) is not in the roster", serial) }
            try RosterState.checkLowering(key, entry, to: last, serial: serial)
            entry.lastValidSeq = last
            if case .revokeKey = change { entry.revoked = true }
            keys[key] = entry
        case .removePartner(let partner, let cutoffs):
            guard partnerActive[partner] == true else {
                throw illegal("cannot remove \(partner): not an active partner", serial)
            }
            let own = Set(keys.filter { $0.value.partner == partner }.map(\.key))
            guard Set(cutoffs.map(\.key)) == own, cutoffs.count == own.count else {
                throw illegal(
                    "removing \(partner) must give a last valid seq for each of its \(own.count) keys, and no other",
                    serial
                )
            }
            for cutoff in cutoffs {
                guard var entry = keys[cutoff.key] else { continue }
                try RosterState.checkLowering(cutoff.key, entry, to: cutoff.lastValidSeq, serial: serial)
                entry.lastValidSeq = cutoff.lastValidSeq
                keys[cutoff.key] = entry
            }
            partnerActive[partner] = false
        case .setThreshold(let numerator, let denominator):
            thresholdNumerator = numerator
            thresholdDenominator = denominator
        case .setEncryptionKey(let partner, let key):
            guard partnerActive[partner] == true else {
                throw illegal("cannot set an encryption key for \(partner): not an active partner", serial)
            }
            encryptionKeys[partner] = key
        }
    }

    private mutating func addKey(_ key: AuthorKey, partner: String, serial: UInt64) throws(WireError) {
        if let existing = keys[key] {
            throw illegal(
                "key \(key.short) is already in the roster (for \(existing.partner)); a key is added once, ever",
                serial
            )
        }
        guard keys.count < Roster.maxMembers else {
            throw illegal("a roster holds at most \(Roster.maxMembers) keys", serial)
        }
        keys[key] = Key(partner: partner, lastValidSeq: nil, revoked: false)
    }

    /// Last valid seqs only fall: an entry valid when signed must stay valid under every later version.
    private static func checkLowering(_ key: AuthorKey, _ entry: Key, to last: UInt64, serial: UInt64) throws(WireError)
    {
        if let current = entry.lastValidSeq, last > current {
            throw WireError(
                .cutoffRaised,
                "key \(key.short) of \(entry.partner) is valid up to seq \(current); a version may lower that, never raise it to \(last)",
                context: "roster version \(serial)"
            )
        }
    }

    private func illegal(_ reason: String, _ serial: UInt64) -> WireError {
        WireError(.illegalChange, reason, context: "roster version \(serial)")
    }
}
