import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct BundleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bundle",
            abstract: "Air-gapped sync: signed bundle files carried on approved removable media.",
            discussion: """
                A bundle holds the entries and fork proofs a partner lacks, signed by this node's signing key \
                (Protocol/bundle.md). Importing verifies the whole file first — format, digest, creator signature — \
                and keeps nothing of a damaged or altered one; then every entry is checked by the store as in a sync.

                The round trip (node B reachable only by media):
                  A$ capsync bundle create --for B --out /media/usb/a-to-b.csb
                  B$ capsync bundle import /media/usb/a-to-b.csb
                  B$ capsync bundle create --for A --out /media/usb/b-to-a.csb
                  A$ capsync bundle import /media/usb/b-to-a.csb
                Or cut a bundle against heads the recipient exported:
                  B$ capsync bundle heads --out /media/usb/b.heads
                  A$ capsync bundle create --since /media/usb/b.heads --out /media/usb/a-to-b.csb
                An auditor without a node:
                  capsync bundle verify a-to-b.csb --roster roster.txt --export /tmp/audit
                """,
            subcommands: [Create.self, Import.self, Heads.self, Verify.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a bundle of what a partner lacks.",
                discussion: """
                    --for PARTNER cuts it against the heads the partner is known to hold (its HEADS at the last \
                    sync, the heads in the last bundle it made, or its last heads file): bundles overlap until the \
                    partner confirms what it received, so a lost or reordered medium never leaves a hole. \
                    --since FILE cuts it against a heads file the partner exported; --all holds everything. The \
                    same store and heads give the same bytes.

                    Examples:
                      capsync bundle create --for NL --out /media/usb/no-to-nl.csb
                      capsync bundle create --since nl.heads --out no-to-nl.csb
                      capsync bundle create --all --out everything.csb
                    """
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var passphrase: PassphraseOptions
            @OptionGroup var format: FormatOptions
            @OptionGroup var quiet: QuietOptions
            @Option(help: ArgumentHelp("The bundle file to write.", valueName: "file")) var out: String
            @Option(
                name: .customLong("for"),
                help: ArgumentHelp("The partner the bundle is for.", valueName: "partner")
            )
            var partner: String?
            @Option(help: ArgumentHelp("A heads file the recipient exported.", valueName: "heads-file"))
            var since: String?
            @Flag(help: "Everything this node holds.") var all = false

            func validate() throws {
                let chosen = [partner != nil, since != nil, all].filter { $0 }.count
                guard chosen == 1 else {
                    throw ValidationError(
                        "give exactly one of --for PARTNER, --since HEADS-FILE or --all (what the recipient holds)"
                    )
                }
            }

            func run() async throws {
                let node = try Node(root: self.node.paths.root)
                let key = try passphrase.signingKey(node.paths)
                let recipient: Node.BundleRecipient
                if let partner {
                    let partners = node.roster.partners
                    guard partners.contains(partner) else {
                        throw CLIError("--for: " + Suggestions.unknown("partner", partner, among: partners))
                    }
                    guard partner != node.config.partner else {
                        throw CLIError(
                            "--for: \(partner) is this node's own partner code; name the partner who receives the bundle"
                        )
                    }
                    if SyncState.load(node.paths).partnerHeads?[partner] == nil {
                        quiet.info("note: nothing is known yet of what \(partner) holds; the bundle holds everything")
                    }
                    recipient = .partner(partner)
                } else if let since {
                    recipient = .headsFile(
                        try BundleHeadsFile(text: try readFileText(since, what: "heads file"), file: since)
                    )
                } else {
                    recipient = .all
                }
                let started = ContinuousClock.now
                let created = try node.createBundle(at: out, for: recipient, signingKey: key)
                let s = created.summary
                var table = Table(
                    title: "Bundle \(out)",
                    name: "bundle",
                    columns: ["file", "for", "entries", "fork_proofs", "chunks", "bytes", "sha256", "seconds"]
                )
                table.add([
                    .text(out), created.recipientPartner.map { .text($0) } ?? .text("anyone"), .int(Int64(s.entries)),
                    .int(Int64(s.forkProofs)), .int(Int64(s.chunks)), .int(Int64(s.bytes)),
                    .text(Hex.encode(s.digest)), .number(secondsValue(ContinuousClock.now - started)),
                ])
                // The summary is a result for people; --quiet leaves it out (json and csv stay).
                if !(quiet.quiet && format.format == .table) { try format.printer.print([table]) }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify a bundle and keep what it brings.",
                discussion: """
                    The whole file is verified first (format, limits, every claim of the header, fork proofs, the \
                    SHA-256 digest, the creator's signature and key against the roster); a damaged or altered \
                    bundle is refused with the byte offset and the reason, and nothing of it is kept. Then each \
                    chunk goes to the store, which checks every entry's signature, chain link and roster rule as a \
                    sync does. Importing twice, overlapping or out-of-order bundles are harmless. Exit status 0 when \
                    everything was kept or already held (entries of authors this node's roster does not admit are \
                    withheld with a warning, as a sync withholds them), 4 when the bundle or any entry in it did \
                    not verify or link.

                    Examples:
                      capsync bundle import /media/usb/nl-to-no.csb
                    """
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: ArgumentHelp("The bundle file.", valueName: "file")) var file: String

            func run() async throws {
                let node = try Node(root: self.node.paths.root)
                let progress = BundleProgressLine(interactive: format.format == .table && !quiet.quiet)
                let report: BundleImportReport
                do { report = try node.importBundle(from: file, progress: progress.update) } catch let error
                    as BundleError
                {
                    progress.finish()
                    printError("Error: \(file): bundle refused: \(error)")
                    printError("Nothing from this bundle was kept. Ask the creator for a new copy.")
                    throw ExitCode(4)
                }
                progress.finish()
                let s = report.summary
                var table = Table(
                    title: "Import of \(file) from \(s.header.creatorPartner)",
                    name: "import",
                    columns: [
                        "from", "entries", "accepted", "duplicates", "refused", "outside_roster", "fork_proofs",
                        "new_fork_proofs",
                        "sha256",
                    ]
                )
                table.add([
                    .text(s.header.creatorPartner), .int(Int64(s.entries)), .int(Int64(report.accepted)),
                    .int(Int64(report.duplicates)), .int(Int64(report.refused)), .int(Int64(report.outsideRoster)),
                    .int(Int64(s.forkProofs)),
                    .int(Int64(report.newForkProofs)), .text(Hex.encode(s.digest)),
                ])
                if !(quiet.quiet && format.format == .table) { try format.printer.print([table]) }
                if report.rosterChanged {
                    quiet.info(
                        "the roster in force changed: serial \(node.roster.serial) (\(node.roster.hash.hex.prefix(16)))"
                    )
                }
                for refusal in report.refusals { printError("refused: \(refusal)") }
                let listed = report.refusals.count
                if report.refused + report.outsideRoster > listed {
                    printError("… and \(report.refused + report.outsideRoster - listed) more")
                }
                if report.outsideRoster > 0 {
                    printError(
                        "warning: \(report.outsideRoster) entr(y/ies) of authors this node's roster does not admit were "
                            + "withheld (compare 'capsync roster hash' with the creator's)"
                    )
                }
                if report.refused > 0 {
                    printError(
                        "\(report.refused) entr(y/ies) of the bundle did not verify or link and were refused; the rest was kept"
                    )
                    throw ExitCode(4)
                }
            }
        }

        struct Heads: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Export this node's heads, for a partner to make a bundle of what this node lacks.",
                discussion: """
                    Examples:
                      capsync bundle heads --out /media/usb/nl.heads
                    """
            )
            @OptionGroup var node: NodeOptions
            @Option(help: ArgumentHelp("The heads file to write.", valueName: "file")) var out: String

            func run() async throws {
                let node = try Node(root: self.node.paths.root, access: .readOnly)
                let file = node.headsFile()
                do { try Data(file.text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw CLIError("cannot write \(out): \(error)")
                }
                printError("wrote the heads of \(file.heads.count) author(s) to \(out)")
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check a bundle without a node: every signature, chain and fork proof, and its view.",
                discussion: """
                    Needs only the bundle and the roster file to judge it by. Exit status 0 when everything \
                    verifies, 4 when anything does not. --export writes each entry's canonical bytes, signing \
                    message, signature, id and prev link as 'capsync audit --export' does, for openssl.

                    Examples:
                      capsync bundle verify no-to-nl.csb --roster roster.txt
                      capsync bundle verify no-to-nl.csb --roster roster.txt --export /tmp/audit --format json
                    """
            )
            @OptionGroup var format: FormatOptions
            @Argument(help: ArgumentHelp("The bundle file.", valueName: "file")) var file: String
            @Option(help: ArgumentHelp("The roster file to judge the bundle by.", valueName: "file")) var roster: String
            @Option(help: ArgumentHelp("Also export the entries for independent tools.", valueName: "dir"))
            var export: String?

            func run() async throws {
                try auditBundle(file, rosterFile: roster, export: export, format: format)
            }
        }
    }
}

/// `bundle verify` and `audit --bundle`: prints the per-author table, the view's digests, and exits 4 on problems.
func auditBundle(_ file: String, rosterFile: String, export: String?, format: FormatOptions) throws {
    let roster: Roster
    do { roster = try Roster(fileText: try readFileText(rosterFile, what: "roster")) } catch let error as WireError {
        throw CLIError("\(rosterFile): \(error)")
    }
    guard FileManager.default.fileExists(atPath: file) else { throw CLIError("no bundle file at \(file)") }
    let (report, state) = try BundleAuditor.audit(path: file, roster: roster, exportTo: export)
    var table = Table(
        title: "Bundle \(file) from \(report.creatorPartner) (roster \(report.rosterHash.prefix(16)))",
        name: "authors",
        columns: ["partner", "author", "entries", "head_seq", "bad_signatures", "forked_from", "result"]
    )
    for author in report.authors {
        table.add([
            author.partner.map { .text($0) } ?? .none, .text(keyText(hex: author.author)), .int(Int64(author.entries)),
            .int(Int64(author.headSeq)), .int(Int64(author.badSignatures)),
            author.forkedFromSeq.map { .int(Int64($0)) } ?? .none,
            .text(
                author.ok
                    ? (["ok"] + author.notes).joined(separator: "; ")
                    : (author.problems + author.notes).joined(separator: "; ")
            ),
        ])
    }
    var extra: [String: Any] = [:]
    if format.format == .json {
        extra = [
            "ok": report.ok, "creator_partner": report.creatorPartner, "creator_key": report.creatorKey,
            "entries": report.entries, "fork_proofs": report.forkProofs, "chunks": report.chunks,
            "bytes": report.bytes, "sha256": report.digest, "roster_hash": report.rosterHash,
            "bundle_roster_hash": report.bundleRosterHash, "partial": report.partial,
        ]
        if let problem = report.fileProblem { extra["file_problem"] = problem }
        if let problem = report.creatorProblem { extra["creator_problem"] = problem }
        if let digest = report.stateDigest { extra["state_digest"] = digest }
        if let digest = report.entrySetDigest { extra["entry_set_digest"] = digest }
        if let state { extra["fold_version"] = Int(state.foldVersion.rawValue) }
    }
    try format.printer.print([table], extra: extra)
    if format.format == .table {
        if let problem = report.fileProblem { print("\nFILE REFUSED: \(problem)") }
        if let problem = report.creatorProblem { print("\nCREATOR: \(problem)") }
        if report.fileProblem == nil {
            print(
                "\n\(report.entries) entries from \(report.authors.count) authors; \(report.forkProofs) fork proof(s); "
                    + "\(report.bytes) bytes, sha256 \(report.digest); signed by \(report.creatorPartner) "
                    + "\(report.creatorKey)"
            )
            if let digest = report.stateDigest, let entrySet = report.entrySetDigest {
                print(
                    "view: state digest \(digest), entry-set digest \(entrySet)"
                        + (report.partial ? " (partial: the bundle continues chains it does not hold)" : "")
                )
            }
        }
        print(report.ok ? "all verified" : "PROBLEMS FOUND")
    }
    if let export, report.fileProblem == nil { printError("exported the bundle's entries to \(export)") }
    if !report.ok { throw ExitCode(4) }
}

/// A progress line on standard error while a bundle is read, after its first second: pass, bytes and entries.
final class BundleProgressLine {
    private let started = ContinuousClock.now
    private var lastPrinted: ContinuousClock.Instant?
    private let interactive: Bool
    private var last: BundleProgress?

    init(interactive: Bool) { self.interactive = interactive }

    func update(_ progress: BundleProgress) {
        last = progress
        let now = ContinuousClock.now
        guard interactive, now - started > .seconds(1) else { return }
        if let lastPrinted, now - lastPrinted < .seconds(1) { return }
        lastPrinted = now
        let seconds = secondsValue(now - started)
        printError(
            "bundle: \(progress.pass) \(progress.bytesDone / 1_048_576) of \(progress.bytesTotal / 1_048_576) MiB, "
                + "\(progress.entries) entries, \(Int(Double(progress.bytesDone) / max(seconds, 0.001) / 1_048_576)) MiB/s, "
                + "\(Int(seconds)) s"
        )
    }

    /// The last figures, if a line was printed at all.
    func finish() {
        guard lastPrinted != nil, let last else { return }
        lastPrinted = .now - .seconds(2)
        update(last)
    }
}
