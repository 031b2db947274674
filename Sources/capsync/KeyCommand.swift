import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire

extension CapSyncCommand {
    struct KeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key",
            abstract: "This partner's signing key.",
            subcommands: [Rotate.self]
        )

        struct Rotate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Rotate the signing key through the roster chain (run again once the new key is adopted).",
                discussion: """
                    First run: makes a new signing key and proposes adding it (signed with the current key). \
                    Partners approve it (capsync roster approve ID) and it reaches every node by sync. Run again \
                    once it is adopted: the node then signs with the new key, the old key's files move to \
                    keys/retired/, the TLS certificate is re-issued (a running daemon picks it up at its next \
                    session), and retiring the old key at its last seq is proposed. The partner's records \
                    continue under the new key.

                    After a theft, when the current key is revoked: the first run makes the key; another partner \
                    proposes it (capsync roster propose add-key --partner P --key K); once adopted, `capsync key \
                    rotate --now` switches to it and the node catches up by sync.
                    """
            )
            @OptionGroup var options: AppendOptions
            @Flag(
                help:
                    "Switch to the new key although this node has not seen it adopted (after a theft, when partners adopted it and this node's revoked key can no longer sync)."
            )
            var now = false

            func run() async throws {
                let paths = options.node.paths
                let step = try KeyRotation.step(
                    root: paths.root,
                    passphrase: try options.passphrase.passphrase(),
                    evenIfNotSeenAdopted: now,
                    runningDaemon: ServeLock.running(paths: paths).map { "pid \($0.pid)" }
                )
                let partner = try options.partner()
                switch step {
                case .proposed(let key, let vote):
                    options.say("new signing key for \(partner): \(Ed25519Base64.encode(key.bytes))")
                    if let vote {
                        options.say(
                            "proposed adding it as roster version \(vote.version.serial): \(vote.version.hash.hex)"
                        )
                        options.say("once adopted (capsync roster pending), run `capsync key rotate` again to switch")
                    } else {
                        options.say(
                            "this node's current key may no longer propose (retired or revoked): ask a partner to run\n"
                                + "  capsync roster propose add-key --partner \(partner) --key \(Ed25519Base64.encode(key.bytes))"
                        )
                    }
                case .waiting(let key, let pending):
                    var line = "the new key \(Ed25519Base64.encode(key.bytes)) is not adopted yet"
                    if let pending {
                        line +=
                            ": \(pending.approvedBy.count) of \(pending.required) approvals (\(pending.approvedBy.joined(separator: ", "))); may still approve: \(pending.mayStillApprove.joined(separator: ", "))"
                    }
                    throw CLIError(line)
                case .switched(let old, let new, let last, let retirement):
                    options.say(
                        "\(partner) now signs with \(Ed25519Base64.encode(new.bytes)); the old key \(Ed25519Base64.encode(old.bytes)) ends at seq \(last)"
                    )
                    if let retirement {
                        options.say(
                            "proposed retiring the old key as roster version \(retirement.version.serial): \(retirement.version.hash.hex)"
                        )
                    }
                }
            }
        }
    }
}
