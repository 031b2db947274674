import ArgumentParser
import Foundation

/// The `capsync` command: one executable for node operators, auditors and analysts (docs/design.md D9).
@main
struct CapSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capsync",
        abstract: "Share coalition defence-production capacity over signed, peer-to-peer synced logs.",
        version: "0.1.0",
        subcommands: [
            Init.self, Id.self, RosterCommand.self, Peers.self, Report.self, Retract.self, NeedCommand.self,
            PledgeCommand.self, Drawdown.self, Deliver.self, Confirm.self, Order.self, Answer.self,
            Pool.self, Import.self, Serve.self, Sync.self, BundleCommand.self, State.self, Log.self, Audit.self,
            Status.self, Dashboard.self, Backup.self, Restore.self, Repair.self, CatalogCommand.self, KeyCommand.self,
            Export.self,
        ]
    )

    /// As swift-argument-parser's own entry point, after answering a mistyped subcommand with the nearest ones.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = SubcommandCheck.unknown(in: arguments, root: Self.self) {
            FileHandle.standardError.write(Data(("Error: " + message + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Finds a word where a subcommand is expected that names none, and suggests the nearest.
enum SubcommandCheck {
    static func unknown(in arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path = [root.configuration.commandName ?? "capsync"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { return nil }
            let names = subcommands.map { $0._commandName }
            guard let index = names.firstIndex(of: word) else {
                let near = Suggestions.nearest(to: word, among: names)
                let suggestion =
                    near.isEmpty
                    ? ""
                    : " Did you mean \(near.map { "'\(path.joined(separator: " ")) \($0)'" }.joined(separator: " or "))?"
                return
                    "unknown command '\(path.joined(separator: " ")) \(word)'.\(suggestion) Commands: \(names.joined(separator: ", ")) "
                    + "(see '\(path.joined(separator: " ")) --help')"
            }
            command = subcommands[index]
            path.append(word)
        }
        return nil
    }
}
