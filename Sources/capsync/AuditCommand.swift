import ArgumentParser
import CapSyncCrypto
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

                Examples:
                  capsync audit
                  capsync audit --format json
                  capsync audit --export /tmp/audit --author NL --from-seq 1
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @Option(
            help: ArgumentHelp(
                "Also export entries for independent verification into this directory.",
                valueName: "dir"
            )
        )
        var export: String?
        @Option(help: "Export only this author (partner code, base64 key or hex prefix).") var author: String?
        @Option(help: "Export from this seq.") var fromSeq: UInt64 = 1

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
            let node = try openForAudit()
            warnAboutPendingRepair(node)
            var report = try Auditor.audit(store: node.store, roster: node.roster)
            Auditor.addAuthorityFindings(try node.coalitionState(), to: &report)
            var table = Table(
                title: "Audit of \(node.paths.root) (roster \(report.rosterHash.prefix(16)))",
                name: "authors",
                columns: [
                    "partner", "author", "entries", "head_seq", "bad_signatures", "broken_links", "forked_from",
                    "result",
                ]
            )
            for author in report.authors {
                table.add([
                    .text(author.partner ?? "(not in roster)"), .text(String(author.author.prefix(16))),
                    .int(Int64(author.entries)),
                    .int(Int64(author.headSeq)), .int(Int64(author.badSignatures)), .int(Int64(author.brokenLinks)),
                    author.forkedFromSeq.map { .int(Int64($0)) } ?? .none,
                    .text(author.ok ? "ok" : author.problems.joined(separator: "; ")),
                ])
            }
            format.printer.print(
                [table],
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
                let authors = try resolveAuthors(author, roster: node.roster, known: node.store.heads().map(\.author))
                let count = try Auditor.export(
                    store: node.store,
                    roster: node.roster,
                    to: export,
                    authors: authors,
                    fromSeq: fromSeq
                )
                printError("exported \(count) entries to \(export)")
            }
            if !report.ok || node.store.pendingRepair != nil { throw ExitCode(4) }
        }
    }
}
