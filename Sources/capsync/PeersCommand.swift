import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire

extension CapSyncCommand {
    struct Peers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The peers this node dials for sync, and their addresses (local, not shared).",
            discussion:
                "Examples:\n  capsync peers add NL.card\n  capsync peers add --partner US --address 10.0.0.7:7420 --key BASE64\n  capsync peers list",
            subcommands: [List.self, Add.self, Remove.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the peers.")
            @OptionGroup var node: NodeOptions
            @OptionGroup var format: FormatOptions

            func run() async throws {
                let peers = try NodeSetup.loadPeers(node.paths)
                var table = Table(columns: ["partner", "address", "key", "fingerprint"])
                for peer in peers.peers {
                    table.add([
                        .text(peer.partner), .text(peer.address), .text(Ed25519Base64.encode(peer.key.bytes)),
                        .text(Fingerprint.of(peer.key.bytes)),
                    ])
                }
                try format.printer.print([table])
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add peers from trust cards, or one by flags.")
            @OptionGroup var node: NodeOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: "Trust card files.") var cards: [String] = []
            @Option(help: "Partner code.") var partner: String?
            @Option(help: "host:port to dial.") var address: String?
            @Option(help: "The peer's base64 signing key.") var key: String?

            func validate() throws {
                guard !cards.isEmpty || (partner != nil && address != nil && key != nil) else {
                    throw ValidationError("give trust card files, or --partner, --address and --key")
                }
                try validateAddress(address, flag: "--address")
                try validateKey(key)
            }

            func run() async throws {
                let paths = node.paths
                var peers = try NodeSetup.loadPeers(paths)
                let roster = try NodeSetup.loadRoster(paths)
                var added: [PeerList.Peer] = []
                if let partner, let address, let key {
                    guard let raw = Ed25519Base64.decode(key) else {
                        throw CLIError("--key is not a base64 Ed25519 public key")
                    }
                    added.append(.init(partner: partner, address: address, key: AuthorKey(raw)))
                }
                for file in cards {
                    let card = try TrustCard(text: readFileText(file, what: "trust card"), source: file)
                    added.append(.init(partner: card.partner, address: address ?? card.address, key: card.key))
                }
                for peer in added {
                    try peers.add(peer)
                    quiet.say("added peer \(peer.name)")
                    if roster.member(for: peer.key)?.partner != peer.partner {
                        printError(
                            "warning: \(peer.partner)'s key is not in the roster; sync with it will fail until it is (capsync roster add)"
                        )
                    }
                }
                try NodeSetup.savePeers(peers, paths)
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove peers by partner code or address.")
            @OptionGroup var node: NodeOptions
            @OptionGroup var quiet: QuietOptions
            @Argument(help: "Partner code or host:port.") var partnerOrAddress: String

            func run() async throws {
                var peers = try NodeSetup.loadPeers(node.paths)
                let count = peers.remove(partnerOrAddress)
                guard count > 0 else {
                    let names = peers.peers.map(\.partner) + peers.peers.map(\.address)
                    throw CLIError(
                        Suggestions.unknown("peer", partnerOrAddress, among: names) + " (see capsync peers list)"
                    )
                }
                try NodeSetup.savePeers(peers, node.paths)
                quiet.say("removed \(count) peer(s)")
            }
        }
    }
}
