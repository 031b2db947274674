import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct RosterCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roster",
            abstract: "The coalition roster: partner codes and their pinned signing keys.",
            discussion: """
                Every partner holds the same roster; its hash is compared at every sync and a mismatch is warned \
                about. Until the coalition adopts a roster chain, edit it from trust cards, or import the file the \
                coalition distributes. Once a genesis is adopted (roster propose genesis, approved by every \
                partner), the roster changes only by versions the threshold approves: propose, approve, pending, log.

                Examples:
                  capsync roster add NL.card US.card
                  capsync roster hash
                  capsync roster export > roster.txt;  capsync roster import roster.txt
                """,
            subcommands: [
                Show.self, Add.self, Remove.self, Import.self, Export.self, Hash.self, Propose.self, Approve.self,
                Pending.self, Log.self,
            ],
            defaultSubcommand: Show.self
        )

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the roster's partners and keys.")
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions

            func run() async throws {
                let roster = try NodeSetup.loadRoster(node.paths)
                var table = Table(
                    title: "Roster serial \(roster.serial), hash \(roster.hash.hex)",
                    columns: ["partner", "key", "fingerprint", "last_valid_seq"]
                )
                for member in roster.members {
                    table.add([
                        .text(member.partner), .text(Ed25519Base64.encode(member.key.bytes)),
                        .text(Fingerprint.of(member.key.bytes)),
                        member.lastValidSeq.map { .int(Int64($0)) } ?? .none,
                    ])
                }
                try format.printer.print([table])
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add keys from trust cards (verified), or one key given by flags.",
                discussion: "Examples:\n  capsync roster add NL.card\n  capsync roster add --partner UA --key BASE64KEY"
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: "Trust card files.") var cards: [String] = []
            @Option(help: "Partner code, with --key.") var partner: String?
            @Option(help: "Base64 Ed25519 signing key, with --partner.") var key: String?
            @Option(
                help:
                    "Entries of this key above this seq are invalid; on a key already present, changes its last valid seq."
            )
            var lastSeq: UInt64?
            @Flag(help: "Increase the roster serial.") var bumpSerial = false

            func validate() throws {
                guard !cards.isEmpty || (partner != nil && key != nil) else {
                    throw ValidationError("give trust card files, or --partner and --key")
                }
                guard cards.isEmpty || (partner == nil && key == nil) else {
                    throw ValidationError("give either trust card files or --partner/--key, not both")
                }
                try validateKey(key)
                if let partner {
                    do { try Roster.validatePartnerCode(partner) } catch {
                        throw ValidationError("--partner: \(error.reason)")
                    }
                }
            }

            func run() async throws {
                let paths = node.paths
                try refuseOnceChained(paths)
                var roster = try NodeSetup.loadRoster(paths)
                var added: [Roster.Member] = []
                if let partner, let key {
                    guard let raw = Ed25519Base64.decode(key) else {
                        throw CLIError("--key is not a base64 Ed25519 public key")
                    }
                    added.append(Roster.Member(partner: partner, key: AuthorKey(raw), lastValidSeq: lastSeq))
                }
                for file in cards {
                    let card = try TrustCard(text: readFileText(file, what: "trust card"), source: file)
                    added.append(Roster.Member(partner: card.partner, key: card.key, lastValidSeq: lastSeq))
                }
                for member in added {
                    if let present = roster.member(for: member.key), present.partner == member.partner {
                        guard let lastSeq, present.lastValidSeq != lastSeq else {
                            quiet.say("already present: \(member.partner) \(Fingerprint.of(member.key.bytes))")
                            continue
                        }
                        do { try roster.setLastValidSeq(lastSeq, for: member.key) } catch {
                            throw CLIError(error.description)
                        }
                        let before = present.lastValidSeq.map(String.init) ?? "none"
                        quiet.say(
                            "changed last valid seq of \(member.partner) \(Fingerprint.of(member.key.bytes)): \(before) -> \(lastSeq)"
                        )
                        continue
                    }
                    do { try roster.add(member) } catch { throw CLIError(error.description) }
                    quiet.say("added \(member.partner) \(Fingerprint.of(member.key.bytes))")
                }
                if bumpSerial { roster.serial += 1 }
                try NodeSetup.saveRoster(roster, paths)
                quiet.say("roster hash \(roster.hash.hex)")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a key (base64) or every key of a partner code."
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: "A base64 key or a partner code.") var keyOrPartner: String
            @Flag(help: "Increase the roster serial.") var bumpSerial = false

            func run() async throws {
                let paths = node.paths
                try refuseOnceChained(paths)
                var roster = try NodeSetup.loadRoster(paths)
                let keys: [AuthorKey] =
                    Ed25519Base64.decode(keyOrPartner).map { [AuthorKey($0)] } ?? roster.keys(of: keyOrPartner)
                let removed = keys.filter { roster.remove($0) }
                guard !removed.isEmpty else {
                    throw CLIError(
                        "no key or partner '\(keyOrPartner)' in the roster: "
                            + Suggestions.unknown("partner", keyOrPartner, among: roster.partners)
                    )
                }
                if bumpSerial { roster.serial += 1 }
                try NodeSetup.saveRoster(roster, paths)
                quiet.say("removed \(removed.count) key(s); roster hash \(roster.hash.hex)")
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the roster with a roster file distributed by the coalition."
            )
            @OptionGroup var node: NodeOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: "The roster file.") var file: String

            func run() async throws {
                let paths = node.paths
                try refuseOnceChained(paths)
                let text = try readFileText(file, what: "roster file")
                let roster: Roster
                do { roster = try Roster(fileText: text) } catch { throw CLIError("\(file): \(error.description)") }
                let config = try NodeSetup.loadConfig(paths)
                let identity = try NodeSetup.loadIdentity(paths)
                if roster.member(for: AuthorKey(identity.signingKey))?.partner != config.partner {
                    printError("warning: the imported roster does not list this node's own key for \(config.partner)")
                }
                let old = try NodeSetup.loadRoster(paths)
                try NodeSetup.saveRoster(roster, paths)
                quiet.say(
                    "roster hash \(old.hash.hex) -> \(roster.hash.hex) (serial \(roster.serial), \(roster.members.count) keys)"
                )
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the roster file (canonical form).")
            @OptionGroup var node: NodeOptions

            @Flag(
                help:
                    "Print the roster of the adopted genesis instead: what a newcomer installs (roster import) to derive every later version by sync."
            )
            var genesis = false

            func run() async throws {
                guard genesis else {
                    print(try NodeSetup.loadRoster(node.paths).fileText, terminator: "")
                    return
                }
                guard let chain = try Node(root: node.paths.root, access: .readOnly).rosterStatus.chain else {
                    throw CLIError("this node holds no roster chain yet: no genesis to export")
                }
                print(chain.genesis.roster.fileText, terminator: "")
            }
        }

        struct Hash: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the roster hash (SHA-256 of its canonical encoding)."
            )
            @OptionGroup var node: NodeOptions

            func run() async throws { print(try NodeSetup.loadRoster(node.paths).hash.hex) }
        }
    }
}

/// Once a roster chain is adopted the roster file follows the chain's head: editing it by hand would put this
/// node on a roster nobody approved (and an older file would roll membership back).
private func refuseOnceChained(_ paths: NodePaths) throws {
    guard FileManager.default.fileExists(atPath: paths.rosterGenesis) else { return }
    throw CLIError(
        "this node's roster is governed by its roster chain (\(paths.rosterGenesis)); it changes only by approved versions: capsync roster propose ..., capsync roster approve ID"
    )
}
