import ArgumentParser
import CapSyncCrypto
import CapSyncLog
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-verify the whole log from disk: every signature, chain link, fork and authority rule.",
            discussion: """
                Works on a node directory or a copy of one without private keys. Exit status 0 when everything \
                verifies, 4 when anything does not, a store too damaged to open included. --export writes each entry's canonical bytes, signing message, \
                signature, id and prev link, and each author's public key PEM, so stock tools can check them \
                (see the README's audit section for the openssl/sha256sum loop).

                An auditor holding only a copy of a store (no node directory) names it and the roster to judge it by:
                --store DIR --roster FILE (both, and then no --dir).

                Examples:
                  capsync audit
                  capsync audit --format json
                  capsync audit --export /tmp/audit --author NL --from-seq 1
                  capsync audit --store /media/usb/store --roster /media/usb/roster.txt
                  capsync audit --decrypt

                Sealed entries (released to named partners only) are verified like every other entry, whoever \
                reads this; --decrypt also opens those released to this node's partner and lists each sealed \
                entry's label and what it holds, and a sealed entry released to this partner that does not open \
                is a problem (exit status 4).

                An auditor holding a bundle file (capsync bundle create) checks it the same way, with no node:
                  capsync audit --bundle /media/usb/no-to-nl.csb --roster roster.txt --export /tmp/audit
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var quiet: QuietOptions
        @Option(
            help: ArgumentHelp(
                "Also export entries for independent verification into this directory.",
                valueName: "dir"
            )
        )
        var export: String?
        @Option(help: "Export only this author (partner code, base64 key or hex prefix).") var author: String?
        @Option(help: "Export from this seq.") var fromSeq: UInt64 = 1
        @Option(help: ArgumentHelp("Audit a store directory on its own (with --roster), not a node.", valueName: "dir"))
        var store: String?
        @Option(help: ArgumentHelp("The roster file to judge a --store copy or a --bundle by.", valueName: "file"))
        var roster: String?
        @Option(help: ArgumentHelp("Audit a bundle file on its own (with --roster), not a node.", valueName: "file"))
        var bundle: String?
        @Flag(help: "Also open the sealed entries released to this node's partner (needs its encryption key).")
        var decrypt = false

        func validate() throws {
            if decrypt && (store != nil || bundle != nil) {
                throw ValidationError("--decrypt opens entries with a node's encryption key: give --dir, not a copy")
            }
            if store != nil && bundle != nil {
                throw ValidationError("give either --store or --bundle, not both")
            }
            guard (store == nil && bundle == nil) == (roster == nil) else {
                throw ValidationError(
                    "--store or --bundle and --roster go together: a store copy or a bundle is judged by a roster file"
                )
            }
            if (store != nil || bundle != nil) && node.dir != nil {
                throw ValidationError(
                    "give either --dir (a node) or --store/--bundle with --roster (a copy), not both"
                )
            }
        }

        /// What is audited: a node directory, or a bare store copy and a roster file.
        struct Subject {
            var store: LogStore
            var roster: Roster
            var name: String
            /// The node's roster chain fork, if its log proves one.
            var rosterFork: RosterLedger.Fork? = nil
            /// Partners the roster in force removed (their entries verify; the view leaves them out).
            var removedPartners: Set<String> = []
            /// The node as a reader of sealed entries (`--decrypt`).
            var reader: SealedReader? = nil
            /// The node's adopted roster chain, to check the wraps of sealed entries against.
            var chain: RosterChain? = nil
        }

        func openSubject() throws -> Subject {
            guard let store, let roster else {
                let node = try openForAudit()
                let status = node.rosterStatus
                return Subject(
                    store: node.store,
                    roster: node.roster,
                    name: node.paths.root,
                    rosterFork: status.ledger.fork,
                    removedPartners: Set(status.removedPartners(asOf: nil).keys),
                    reader: decrypt ? try node.sealedReader() : nil,
                    chain: status.chain
                )
            }
            let parsed: Roster
            do { parsed = try Roster(fileText: try readFileText(roster, what: "roster")) } catch let error as WireError
            {
                throw CLIError("\(roster): \(error)")
            }
            guard FileManager.default.fileExists(atPath: store) else {
                throw CLIError("no store directory at \(store)")
            }
            do {
                let opened = try LogStore(directory: store, roster: parsed, options: .init(readOnly: true))
                return Subject(store: opened, roster: parsed, name: store)
            } catch {
                printError("Error: \(store): \(error)")
                printError("audit: the store could not be read, so nothing in it verifies — PROBLEMS FOUND")
                throw ExitCode(4)
            }
        }

        /// A store that cannot be read does not verify: the auditor's exit status says so, as for a bad entry.
        func openForAudit() throws -> Node {
            let result = Result { () throws(NodeError) -> Node in
                try Node(root: self.node.paths.root, access: .readOnly)
            }
            switch result {
            case .success(let node):
                return node
            case .failure(let error) where error.code == .store:
                printError("Error: \(error)")
                printError("audit: the store could not be read, so nothing in it verifies — PROBLEMS FOUND")
                throw ExitCode(4)
            case .failure(let error):
                throw error
            }
        }

        func run() async throws {
            if let bundle, let roster {
                try auditBundle(bundle, rosterFile: roster, export: export, format: format)
                return
            }
            let subject = try openSubject()
            if let pending = subject.store.pendingRepair {
                printError("warning: store damage found (left as it is; audit never changes the store): \(pending)")
            }
            var report = try Auditor.audit(store: subject.store, roster: subject.roster)
            Auditor.addAuthorityFindings(
                try Node.coalitionState(
                    of: subject.store,
                    roster: subject.roster,
                    removedPartners: subject.removedPartners
                ),
                to: &report
            )
            var table = Table(
                title: "Audit of \(subject.name) (roster \(report.rosterHash.prefix(16)))",
                name: "authors",
                columns: [
                    "partner", "author", "entries", "head_seq", "bad_signatures", "broken_links", "forked_from",
                    "result",
                ]
            )
            for author in report.authors {
                table.add([
                    author.partner.map { .text($0) } ?? .none, .text(keyText(hex: author.author)),
                    .int(Int64(author.entries)),
                    .int(Int64(author.headSeq)), .int(Int64(author.badSignatures)), .int(Int64(author.brokenLinks)),
                    author.forkedFromSeq.map { .int(Int64($0)) } ?? .none,
                    .text(
                        author.ok
                            ? (["ok"] + author.notes).joined(separator: "; ")
                            : (author.problems + author.notes).joined(separator: "; ")
                    ),
                ])
            }
            var tables = [table]
            // Every sealed entry's wraps go to the keys its roster version names, whoever may read it.
            let wrapFindings =
                try subject.chain.map {
                    try SealedAudit.wrapFindings(store: subject.store, roster: subject.roster, chain: $0)
                } ?? []
            for finding in wrapFindings { printError("audit: \(finding)") }
            var unopened = 0
            if decrypt {
                guard let reader = subject.reader else {
                    throw CLIError(
                        "--decrypt: this node holds no encryption key (keys/encryption.key.pem); "
                            + "make and propose one with capsync roster propose encryption-key"
                    )
                }
                let sealed = try SealedAudit.table(store: subject.store, roster: subject.roster, reader: reader)
                tables.append(sealed.table)
                unopened = sealed.unopened
            }
            try format.printer.print(
                tables,
                extra: format.format == .json
                    ? [
                        "ok": report.ok, "entries": report.entries, "fork_proofs": report.forkProofs,
                        "invalid_fork_proofs": report.invalidForkProofs, "roster_hash": report.rosterHash,
                    ] : [:]
            )
            if format.format == .table {
                print(
                    "\n\(report.entries) entries from \(report.authors.count) authors; \(report.forkProofs) fork proof(s)"
                        + (report.invalidForkProofs > 0 ? ", \(report.invalidForkProofs) INVALID" : "")
                        + " — \(report.ok ? "all verified" : "PROBLEMS FOUND")"
                )
            }
            if let export {
                let authors = try resolveAuthors(
                    author,
                    roster: subject.roster,
                    known: subject.store.heads().map(\.author)
                )
                let count = try Auditor.export(
                    store: subject.store,
                    roster: subject.roster,
                    to: export,
                    authors: authors,
                    fromSeq: fromSeq
                )
                quiet.info("exported \(count) entries to \(export)")
            }
            var rosterForked = false
            if let fork = subject.rosterFork {
                rosterForked = true
                printError(
                    "ROSTER FORK at serial \(fork.serial): \(fork.versions.count) versions were each approved by the threshold (\(fork.versions.map { String($0.hash.hex.prefix(16)) }.joined(separator: ", "))); none is adopted"
                )
            }
            if unopened > 0 {
                printError(
                    "audit: \(unopened) sealed entr\(unopened == 1 ? "y" : "ies") released to this partner do not open"
                )
            }
            if !report.ok || subject.store.pendingRepair != nil || rosterForked || unopened > 0 || !wrapFindings.isEmpty
            {
                throw ExitCode(4)
            }
        }
    }
}
