import ArgumentParser
import CapSyncLog
import CapSyncNode
import CapSyncWire
import Foundation

/// Read-only commands answer from what is committed and say what a writer would repair.
func warnAboutPendingRepair(_ node: Node) {
    guard let pending = node.store.pendingRepair else { return }
    printError("warning: store damage found (left as it is; read-only commands never change the store): \(pending)")
    printError("  run 'capsync repair' to set the damaged tail aside (it says what it cut and where it copied it)")
}

/// Plain sentences on the node's own chain for `status`, most urgent first; empty when all is well.
func ownChainLines(_ node: Node) -> [String] {
    guard let own = node.store.ownChainStatus else { return [] }
    var lines: [String] = []
    if let seq = own.forkedAt {
        lines.append(
            "OWN KEY FORKED: this node's signing key \(KeyText.canonical(own.author)) (\(node.config.partner)) signed two different entries at seq \(seq). "
                + "Its entries from seq \(seq) on are excluded from the coalition view, and own appends are stopped "
                + "for good. A new signing key must be admitted through the coalition roster (key rotation is not "
                + "in this version yet: agree a new key with the roster's holders out of band)."
        )
    }
    if let range = own.restoredFromJournal {
        lines.append("own entries seq \(range.lowerBound)-\(range.upperBound) were put back from the own-chain journal")
    }
    if let range = own.restorableFromJournal {
        lines.append(
            "own entries seq \(range.lowerBound)-\(range.upperBound) are missing from the store; the next writer "
                + "(an appending command, the daemon, 'capsync repair') puts them back from the own-chain journal"
        )
    }
    if let refusal = own.appendRefusal, own.forkedAt == nil, own.restorableFromJournal == nil {
        lines.append("own appends refused: \(refusal.reason)")
    }
    return lines
}

extension CapSyncCommand {
    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Set a damaged store tail aside, put back own entries from the journal, or continue the own chain.",
            discussion: """
                Read-only commands (status, state, log, audit, backup) never change the store; they report damage \
                and leave repairs to a writer. 'capsync repair' is that writer when nothing else runs: it sets an \
                unacknowledged or damaged final batch aside into store/quarantine/ (saying what it cut and where \
                it copied it) and puts back the node's own entries from the own-chain journal.

                --continue-own-chain-at SEQ is the override for a node that cannot prove its own chain complete and \
                that no peer can vouch for (its key's entries never left it): own appends resume at SEQ, which \
                must be the next seq after the store's own head and above every head of this key known (journal \
                and peers). Only use it when you know no partner holds entries of this key above the store's head.

                Examples:
                  capsync repair
                  capsync repair --continue-own-chain-at 1
                """
        )
        @OptionGroup var node: NodeOptions
        @Option(help: ArgumentHelp("Resume own appends at this seq (see the discussion).", valueName: "seq"))
        var continueOwnChainAt: UInt64?

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .write)
            let repairs = node.store.recoveries
            for repair in repairs { print("repaired: \(repair)") }
            if let seq = continueOwnChainAt {
                do { try node.store.continueOwnChain(at: seq) } catch { throw CLIError(error.description) }
                print("own appends resume at seq \(seq)")
            }
            let lines = ownChainLines(node)
            for line in lines { print(line) }
            if repairs.isEmpty && lines.isEmpty && continueOwnChainAt == nil { print("nothing to repair") }
        }
    }
}
