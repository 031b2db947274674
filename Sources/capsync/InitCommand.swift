import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire

extension CapSyncCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a node directory: signing key, TLS key and certificate, config, roster, peer list.",
            discussion: """
                The signing key is the partner's identity: it signs every log entry. The TLS key is the daemon's; its \
                certificate is issued by the signing key, so peers trust it through the roster alone.

                Examples:
                  capsync init --dir /var/lib/capsync --partner NO --listen 0.0.0.0:7420
                  capsync init --partner NL --import-key nl-signing.pem --encrypt
                """
        )

        @OptionGroup var node: NodeOptions

        @Option(help: "This node's partner code in the roster, e.g. NO, NL, US.")
        var partner: String

        @Option(help: "Address the daemon listens on (host:port).")
        var listen: String = "0.0.0.0:7420"

        @Option(help: "Nightly sync time, HH:MM UTC.")
        var syncTime: String = "02:00"

        @Option(
            help: ArgumentHelp(
                "Import an existing Ed25519 signing key (PKCS#8 PEM) instead of generating one.",
                valueName: "pem-file"
            )
        )
        var importKey: String?

        @Flag(help: "Encrypt the stored signing key with the passphrase from --passphrase-file or $CAPSYNC_PASSPHRASE.")
        var encrypt = false

        @OptionGroup var passphrase: PassphraseOptions

        func validate() throws {
            do { try Roster.validatePartnerCode(partner) } catch { throw ValidationError("--partner: \(error.reason)") }
            try validateAddress(listen, flag: "--listen", allowAnyPort: true)
            guard NodeConfig.parseTime(syncTime) != nil else {
                throw ValidationError("--sync-time: '\(syncTime)' is not a time of day: use HH:MM (UTC), e.g. 02:00")
            }
        }

        func run() async throws {
            var options = NodeSetup.Options(partner: partner)
            options.listen = listen
            options.syncTime = syncTime
            let secret = try passphrase.passphrase()
            if let importKey {
                options.importedSigningKeyPEM = try readFileText(importKey, what: "key file")
                options.importPassphrase = secret
            }
            if encrypt {
                guard let secret, !secret.isEmpty else {
                    throw CLIError("--encrypt needs a passphrase: --passphrase-file FILE or CAPSYNC_PASSPHRASE")
                }
                options.passphrase = secret
            }
            let identity = try NodeSetup.create(at: node.paths.root, options: options)
            print("Created node \(identity.partner) in \(node.paths.root)")
            print("  signing key  \(identity.signingKey.base64)")
            print("  fingerprint  \(identity.signingKey.fingerprint)")
            print(
                "Next: hand your trust card to the other partners:  capsync id --card --address HOST:PORT > \(identity.partner).card"
            )
        }
    }
}
