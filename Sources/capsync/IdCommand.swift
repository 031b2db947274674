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
                """
        )

        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        @Flag(help: "Print a signed trust card instead (needs the signing key).")
        var card = false

        @Option(
            help:
                "The address peers should dial, for the card (default: the listen address, or the running daemon's bound address when listening on port 0)."
        )
        var address: String?

        @OptionGroup var passphrase: PassphraseOptions

        /// An address peers can dial: a real port, and a host other than the any-address.
        static func dialable(_ text: String) -> String? {
            guard let address = try? HostPort(text), address.port != 0, !["0.0.0.0", "::", ""].contains(address.host)
            else { return nil }
            return text
        }

        func validate() throws {
            try validateAddress(address, flag: "--address")
        }

        func run() async throws {
            let paths = node.paths
            if card {
                let config = try NodeSetup.loadConfig(paths)
                let running = ServeLock.running(paths: paths)
                guard let dialable = address ?? Self.dialable(config.listen) ?? running?.address.flatMap(Self.dialable)
                else {
                    let daemon =
                        running.map {
                            "the running daemon (pid \($0.pid)) is bound to \($0.address ?? "no address yet")"
                        }
                        ?? "no daemon is running to tell its bound port"
                    throw CLIError(
                        "the listen address \(config.listen) is not one peers can dial (\(daemon)): give the address peers "
                            + "should dial with --address HOST:PORT"
                    )
                }
                let key = try passphrase.signingKey(paths)
                let trustCard = try TrustCard(partner: config.partner, address: dialable, signingKey: key)
                print(trustCard.text, terminator: "")
                return
            }
            let identity = try NodeSetup.loadIdentity(paths)
            var table = Table(columns: ["partner", "signing_key", "fingerprint", "tls_key"])
            let tlsKey = try identity.tlsCertificate.publicKey()
            table.add([
                .text(identity.partner), .text(identity.signingKey.base64), .text(identity.signingKey.fingerprint),
                .text(tlsKey.base64),
            ])
            try format.printer.print([table])
        }
    }
}
