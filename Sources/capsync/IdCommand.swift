import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire

extension CapSyncCommand {
    struct Id: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print this node's signing key and fingerprint, or its signed trust card.",
            discussion: """
                A trust card carries the partner code, signing key and address, signed by the key as proof of \
                possession. Other partners add it with 'capsync roster add CARD' and 'capsync peers add CARD'.

                Examples:
                  capsync id
                  capsync id --card --address no.capsync.example:7420 > NO.card
                """)

        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        @Flag(help: "Print a signed trust card instead (needs the signing key).")
        var card = false

        @Option(help: "The address peers should dial, for the card (default: the listen address).")
        var address: String?

        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            try validateAddress(address, flag: "--address")
        }

        func run() async throws {
            let paths = node.paths
            if card {
                let config = try NodeSetup.loadConfig(paths)
                if address == nil, (try? HostPort(config.listen))?.port == nil || config.listen.hasPrefix("0.0.0.0") {
                    throw CLIError("the listen address \(config.listen) is not one peers can dial: give it with --address HOST:PORT")
                }
                let key = try NodeSetup.loadSigningKey(paths, passphrase: try passphrase.passphrase())
                let trustCard = try TrustCard(partner: config.partner, address: address ?? config.listen, signingKey: key)
                print(trustCard.text, terminator: "")
                return
            }
            let identity = try NodeSetup.loadIdentity(paths)
            var table = Table(columns: ["partner", "signing_key", "fingerprint", "tls_key"])
            let tlsKey = try identity.tlsCertificate.publicKey()
            table.add([.text(identity.partner), .text(identity.signingKey.base64), .text(identity.signingKey.fingerprint), .text(tlsKey.base64)])
            format.printer.print([table])
        }
    }
}
