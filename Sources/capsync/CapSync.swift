import ArgumentParser

/// The `capsync` command: one executable for node operators, auditors and analysts (DESIGN D9).
@main
struct CapSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capsync",
        abstract: "Share coalition defence-production capacity over signed, peer-to-peer synced logs.",
        version: "0.1.0",
        subcommands: [
            Init.self, Id.self, RosterCommand.self, Peers.self, Report.self, Retract.self, NeedCommand.self, PledgeCommand.self,
            Pool.self, Import.self, Serve.self, Sync.self, State.self, Log.self, Audit.self,
            Status.self, Backup.self, Restore.self, Repair.self, CatalogCommand.self,
        ]
    )
}
