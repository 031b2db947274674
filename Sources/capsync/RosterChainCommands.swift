import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire

/// The roster chain from the command line: propose, approve, list what is pending, show the adopted versions.
/// Proposals and approvals are entries of this node's log, so they reach every partner by sync.
extension CapSyncCommand.RosterCommand {
    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose the next roster version (this partner approves it at once).",
            discussion: """
                A version is adopted by every node once the threshold of partners of the version before it have \
                approved it (capsync roster approve ID); proposals and approvals travel by sync.

                Examples:
                  capsync roster propose genesis --threshold 2/3
                  capsync roster propose add SE.card
                  capsync roster propose add-key --partner NO --key BASE64KEY
                  capsync roster propose retire-key --key BASE64KEY --last-seq 120
                  capsync roster propose revoke-key --key BASE64KEY --last-seq 97
                  capsync roster propose remove PL
                  capsync roster propose threshold 3/4
                  capsync roster propose encryption-key [--rotate]
                """,
            subcommands: [
                Genesis.self, AddPartner.self, AddKey.self, RetireKey.self, RevokeKey.self, RemovePartner.self,
                Threshold.self, EncryptionKey.self,
            ]
        )

        struct Genesis: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Propose the genesis version: the roster file as it stands, and the approval threshold."
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Option(help: "Fraction of partners whose approval each later version needs, e.g. 2/3.")
            var threshold: String = "2/3"

            func validate() throws { _ = try parseFraction(threshold, flag: "--threshold") }

            func run() async throws {
                let node = try options.open()
                let key = try options.passphrase.signingKey(node.paths)
                let vote = try node.proposeGenesis(
                    threshold: try parseFraction(threshold, flag: "--threshold"),
                    signingKey: key
                )
                try report(vote, node: node, format: format, quiet: options.quiet)
            }
        }

        struct AddPartner: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Propose a new partner from its trust card (verified)."
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Argument(help: "The new partner's trust card file.") var card: String

            func run() async throws {
                let card = try TrustCard(text: readFileText(card, what: "trust card"), source: card)
                try propose([.addPartner(partner: card.partner, key: card.key)], options, format)
            }
        }

        struct AddKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Propose a further signing key for a partner.")
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Option(help: "Partner code.") var partner: String
            @Option(help: "Base64 Ed25519 public key.") var key: String

            func validate() throws { try validateKey(key) }

            func run() async throws {
                try propose([.addKey(partner: partner, key: try decodeKey(key))], options, format)
            }
        }

        struct RetireKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Propose to end a key after a seq (an orderly end, e.g. after a rotation)."
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Option(help: "Base64 Ed25519 public key.") var key: String
            @Option(help: "The key's last valid seq (default: the highest seq this node holds of it).")
            var lastSeq: UInt64?

            func validate() throws { try validateKey(key) }

            func run() async throws {
                let node = try options.open()
                let author = try decodeKey(key)
                let last = lastSeq ?? node.store.head(of: author)?.seq ?? 0
                try propose([.retireKey(key: author, lastValidSeq: last)], options, format, node: node)
            }
        }

        struct RevokeKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Propose to revoke a compromised key from a seq on: its later entries are excluded everywhere."
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Option(help: "Base64 Ed25519 public key.") var key: String
            @Option(help: "The last seq the partner itself signed with the key (entries after it are the thief's).")
            var lastSeq: UInt64

            func validate() throws { try validateKey(key) }

            func run() async throws {
                try propose([.revokeKey(key: try decodeKey(key), lastValidSeq: lastSeq)], options, format)
            }
        }

        struct RemovePartner: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove",
                abstract: "Propose to remove a partner: its keys end at the seqs this node holds of them."
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Argument(help: "Partner code.") var partner: String

            func run() async throws {
                let node = try options.open()
                let keys = node.roster.keys(of: partner)
                guard !keys.isEmpty else {
                    throw CLIError(Suggestions.unknown("partner", partner, among: node.roster.partners))
                }
                let cutoffs = keys.sorted().map { key in
                    let held = node.store.head(of: key)?.seq ?? 0
                    return RosterChange.Cutoff(
                        key: key,
                        lastValidSeq: min(held, node.roster.member(for: key)?.lastValidSeq ?? held)
                    )
                }
                try propose([.removePartner(partner: partner, cutoffs: cutoffs)], options, format, node: node)
            }
        }

        struct Threshold: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Propose a new approval threshold, e.g. 3/4.")
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Argument(help: "The fraction of partners whose approval a version needs.") var fraction: String

            func validate() throws { _ = try parseFraction(fraction, flag: "threshold") }

            func run() async throws {
                let (numerator, denominator) = try parseFraction(fraction, flag: "threshold")
                try propose([.setThreshold(numerator: numerator, denominator: denominator)], options, format)
            }
        }

        struct EncryptionKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "encryption-key",
                abstract: "Propose this partner's X25519 encryption key, so others can release figures to it.",
                discussion: """
                    Makes keys/encryption.key.pem when the node has none (with --rotate, a new one; the old one \
                    is kept to read what was sealed to it) and proposes its public half for this partner.
                    """
            )
            @OptionGroup var options: AppendOptions
            @OptionGroup var format: FormatOptions
            @Flag(help: "Make a new key even when the node has one.") var rotate = false

            func run() async throws {
                let node = try options.open()
                let key = try node.makeEncryptionKey(rotate: rotate)
                let change = RosterChange.setEncryptionKey(
                    partner: node.config.partner,
                    key: Bytes32(key.publicKey.rawBytes)
                )
                try propose([change], options, format, node: node)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a pending roster version, by the id `roster pending` shows (a prefix will do)."
        )
        @OptionGroup var options: AppendOptions
        @OptionGroup var format: FormatOptions
        @Argument(help: "The proposal id (hex version hash or a prefix of at least 8 digits).") var id: String

        func validate() throws {
            guard id.count >= 8, id.allSatisfy(\.isHexDigit) else {
                throw ValidationError(
                    "'\(id)' is not a proposal id: give at least 8 hex digits from `capsync roster pending`"
                )
            }
        }

        func run() async throws {
            let node = try options.open()
            let status = node.rosterStatus
            let matches = status.ledger.proposal(matching: id)
            guard matches.count == 1, let proposal = matches.first else {
                throw CLIError(
                    matches.isEmpty
                        ? "no roster proposal \(id) in this node's log; `capsync roster pending` lists them (sync first if it was just proposed)"
                        : "\(id) matches \(matches.count) proposals; give more digits"
                )
            }
            let version = proposal.version
            if let adopted = status.chain?.link(serial: version.serial), adopted.version.hash == version.hash {
                throw CLIError("version \(version.serial) (\(id)) is already adopted")
            }
            let pending = status.ledger.pending(anchor: status.anchor)
            guard let standing = pending.first(where: { $0.proposal.version.hash == version.hash }) else {
                let head = status.chain.map { "serial \($0.head.version.serial)" } ?? "no chain yet"
                throw CLIError(
                    "proposal \(id) (version \(version.serial)) does not follow the roster in force (\(head)): it is stale or competes with an adopted version, and can never be adopted"
                )
            }
            if let problem = standing.problem { throw CLIError("proposal \(id) can never be adopted: \(problem)") }
            let key = try options.passphrase.signingKey(node.paths)
            let vote = try node.approveRosterVersion(version, signingKey: key)
            try report(vote, node: node, format: format, quiet: options.quiet, verb: "approved")
        }
    }

    struct Pending: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roster proposals waiting for approvals: who approved, who may still approve."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        func run() async throws {
            let opened = try Node(root: node.paths.root, access: .readOnly)
            let status = opened.rosterStatus
            var table = Table(
                title: "Pending roster proposals",
                name: "pending",
                columns: [
                    "id", "serial", "changes", "approved_by", "approvals", "required", "may_still_approve", "problem",
                ]
            )
            for pending in status.ledger.pending(anchor: status.anchor) {
                let version = pending.proposal.version
                table.add([
                    .text(version.hash.hex), .int(Int64(version.serial)),
                    .list(version.changes.map { .text(describe($0, roster: status.roster)) }),
                    .list(pending.approvedBy.map { .text($0) }), .int(Int64(pending.approvedBy.count)),
                    .int(Int64(pending.required)), .list(pending.mayStillApprove.map { .text($0) }),
                    pending.problem.map { .text($0) } ?? .none,
                ])
            }
            try format.printer.print([table])
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The adopted roster versions: serial, id, when, what changed, who approved."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        func run() async throws {
            let opened = try Node(root: node.paths.root, access: .readOnly)
            let status = opened.rosterStatus
            guard let chain = status.chain else {
                throw CLIError(
                    "this node holds no roster chain yet (roster file serial \(status.anchor.serial)); start one with `capsync roster propose genesis`"
                )
            }
            var table = Table(
                title: "Roster chain",
                name: "versions",
                columns: ["serial", "id", "time", "changes", "approved_by", "threshold_after"]
            )
            for link in chain.links {
                let version = link.version
                table.add([
                    .int(Int64(version.serial)), .text(version.hash.hex),
                    .text(timeText(version.timestamp)),
                    .list(version.changes.map { .text(describe($0, roster: link.roster)) }),
                    .list(version.approvals.map { .text($0.partner) }),
                    .text("\(link.state.thresholdNumerator)/\(link.state.thresholdDenominator)"),
                ])
            }
            var tables = [table]
            if let fork = status.ledger.fork {
                var forks = Table(
                    title: "ROSTER FORK: versions approved at one serial",
                    name: "fork",
                    columns: ["serial", "id"]
                )
                for version in fork.versions { forks.add([.int(Int64(fork.serial)), .text(version.hash.hex)]) }
                tables.append(forks)
                printError(
                    "warning: roster fork at serial \(fork.serial): \(fork.versions.count) versions were each approved by the threshold; none is adopted until a later version follows one of them"
                )
            }
            try format.printer.print(tables)
        }
    }
}

// MARK: Shared

private func propose(
    _ changes: [RosterChange],
    _ options: AppendOptions,
    _ format: FormatOptions,
    node: Node? = nil
) throws {
    let node = try node ?? options.open()
    let key = try options.passphrase.signingKey(node.paths)
    let vote = try node.proposeRosterVersion(changes, signingKey: key)
    try report(vote, node: node, format: format, quiet: options.quiet)
}

private func report(
    _ vote: Node.RosterVote,
    node: Node,
    format: FormatOptions,
    quiet: Bool,
    verb: String = "proposed"
) throws {
    let version = vote.version
    var table = Table(
        title: "Roster version \(version.serial)",
        name: "proposal",
        columns: ["id", "serial", "adopted", "approved_by", "required", "may_still_approve"]
    )
    table.add([
        .text(version.hash.hex), .int(Int64(version.serial)), .bool(vote.adopted),
        .list(
            (vote.pending?.approvedBy ?? node.rosterStatus.chain?.link(serial: version.serial)?.version.approvals.map(
                \.partner
            ) ?? []).map { .text($0) }
        ),
        vote.pending.map { .int(Int64($0.required)) } ?? .none,
        .list((vote.pending?.mayStillApprove ?? []).map { .text($0) }),
    ])
    if format.format != .table {
        try format.printer.print([table])
        return
    }
    guard !quiet else { return }
    if vote.adopted {
        print("roster version \(version.serial) adopted: \(version.hash.hex)")
    } else if let pending = vote.pending {
        print("roster version \(version.serial) \(verb): \(version.hash.hex)")
        print(
            "  \(pending.approvedBy.count) of \(pending.required) approvals (\(pending.approvedBy.joined(separator: ", "))); may still approve: \(pending.mayStillApprove.isEmpty ? "nobody" : pending.mayStillApprove.joined(separator: ", "))"
        )
        if let problem = pending.problem { print("  cannot be adopted: \(problem)") }
    } else {
        print("roster version \(version.serial): \(version.hash.hex) (not adoptable here)")
    }
}

private func parseFraction(_ text: String, flag: String) throws -> (UInt64, UInt64) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let numerator = UInt64(parts[0]), let denominator = UInt64(parts[1]), numerator >= 1,
        numerator <= denominator, denominator <= RosterChange.maxDenominator
    else {
        throw ValidationError(
            "\(flag): '\(text)' is not a fraction N/D with 1 ≤ N ≤ D ≤ \(RosterChange.maxDenominator), e.g. 2/3"
        )
    }
    return (numerator, denominator)
}

private func decodeKey(_ text: String) throws -> AuthorKey {
    guard let raw = Ed25519Base64.decode(text) else { throw CLIError("--key is not a base64 Ed25519 public key") }
    return AuthorKey(raw)
}

/// One change in words, keys in their canonical text form with the partner code beside them.
func describe(_ change: RosterChange, roster: Roster) -> String {
    func key(_ key: AuthorKey) -> String {
        (roster.partner(of: key).map { "\($0) " } ?? "") + Ed25519Base64.encode(key.bytes)
    }
    switch change {
    case .addPartner(let partner, let k): return "add partner \(partner) with key \(Ed25519Base64.encode(k.bytes))"
    case .addKey(let partner, let k): return "add key \(Ed25519Base64.encode(k.bytes)) to \(partner)"
    case .retireKey(let k, let last): return "retire key \(key(k)) after seq \(last)"
    case .revokeKey(let k, let last): return "revoke key \(key(k)) after seq \(last) (compromised)"
    case .removePartner(let partner, let cutoffs):
        return
            "remove partner \(partner) (keys end at seq \(cutoffs.map { String($0.lastValidSeq) }.joined(separator: ", ")))"
    case .setThreshold(let numerator, let denominator): return "set threshold \(numerator)/\(denominator)"
    case .setEncryptionKey(let partner, let key): return "set encryption key of \(partner) to \(key.short)"
    }
}
