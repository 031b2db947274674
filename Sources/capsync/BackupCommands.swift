import ArgumentParser
import CapSyncNode

/// `capsync backup` and `capsync restore`: a consistent copy of a running node, and a node made from one that
/// waits for a peer to vouch for its own chain before appending (Protocol/store.md, "Own-chain safety").
extension CapSyncCommand {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Copy the node (config, keys, roster, peers, log) into a new directory, consistently, while it runs.",
            discussion: "Example:\n  capsync backup /backups/capsync-2026-11-25"
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var quiet: QuietOptions
        @Argument(help: "The backup directory (must not exist, or be empty).") var target: String

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            try NodeBackup.backup(node, to: target)
            quiet.say("backed up \(node.store.entryCount) entries to \(target)")
            quiet.say("restore with: capsync restore \(target) --dir NEW-DIR")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make a node directory from a backup; it re-learns its own chain from peers before appending again.",
            discussion: """
                A backup may be older than what this node already published. So that it never signs a second, \
                different entry at a seq it already used (a fork), the restored node refuses its own appends until a \
                sync with a peer has brought its own chain back.

                Example:
                  capsync restore /backups/capsync-2026-11-25 --dir /var/lib/capsync && capsync sync
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var quiet: QuietOptions
        @Argument(help: "The backup directory.") var backup: String

        func run() async throws {
            try NodeBackup.restore(from: backup, to: node.paths.root)
            quiet.say(
                "restored into \(node.paths.root); own appends are refused until a peer holding this node's chain "
                    + "syncs with it ('capsync sync'), so that no seq is signed twice"
            )
        }
    }
}
