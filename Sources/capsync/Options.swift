import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

/// `--dir`: the node directory. Default: $CAPSYNC_DIR, else the current directory.
struct NodeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The node directory (default: $CAPSYNC_DIR, else the current directory).", valueName: "path")
    )
    var dir: String?

    var paths: NodePaths {
        NodePaths(
            root: dir ?? ProcessInfo.processInfo.environment["CAPSYNC_DIR"] ?? FileManager.default.currentDirectoryPath
        )
    }
}

struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table (for people), json or csv (for scripts).")
    var format: OutputFormat = .table
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Print only this table. Needed with --format csv when a command prints several (one table a stream); "
                + "the command's help lists the names.",
            valueName: "name"
        )
    )
    var table: String?

    var printer: Printer { Printer(format: format, table: table) }
}

/// The signing key's passphrase, when it is encrypted: from a file (first line) or $CAPSYNC_PASSPHRASE.
struct PassphraseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read the signing key's passphrase from this file (first line). Default: $CAPSYNC_PASSPHRASE.",
            valueName: "file"
        )
    )
    var passphraseFile: String?

    func passphrase() throws -> String? {
        if let passphraseFile {
            guard let data = FileManager.default.contents(atPath: passphraseFile) else {
                throw CLIError("cannot read the passphrase file \(passphraseFile)")
            }
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first
                .map(String.init) ?? ""
        }
        return ProcessInfo.processInfo.environment["CAPSYNC_PASSPHRASE"]
    }

    /// The node's signing key. A wrong or missing passphrase is said once, in words, with where the passphrase
    /// came from; OpenSSL's reason strings are for the other failures, where they say something.
    func signingKey(_ paths: NodePaths) throws -> Ed25519PrivateKey {
        let secret = try passphrase()
        do { return try KeyFile.readPrivateKey(from: paths.signingKey, passphrase: secret) } catch {
            guard error.code == .wrongPassphrase else { throw CLIError(error.description) }
            guard secret != nil else {
                throw CLIError(
                    "\(paths.signingKey): the signing key is encrypted: give its passphrase with --passphrase-file FILE "
                        + "or $CAPSYNC_PASSPHRASE"
                )
            }
            let source = passphraseFile.map { "the first line of \($0)" } ?? "$CAPSYNC_PASSPHRASE"
            throw CLIError(
                "\(paths.signingKey): wrong passphrase for the signing key (read from \(source)); check it and try again"
            )
        }
    }
}

/// `--quiet` for commands that print more than what was asked for (progress, info lines, hints): those are left
/// out; the requested output, warnings and errors never are.
struct QuietOptions: ParsableArguments {
    @Flag(
        name: .shortAndLong,
        help: "Leave out progress and info lines; the output asked for, warnings and errors are still printed."
    )
    var quiet = false

    /// An info or progress line on standard error, left out with --quiet.
    func info(_ text: String) {
        if !quiet { printError(text) }
    }

    /// A result line for people on standard output (what a command that changes the node did), left out with
    /// --quiet.
    func say(_ text: String) {
        if !quiet { print(text) }
    }
}

/// Writes to standard error (progress, warnings), keeping standard output for results.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func readFileText(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError(
            "cannot read \(what) '\(path)': \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")"
        )
    }
    return String(decoding: data, as: UTF8.self)
}

/// A failure found while running (bad input data, unknown need, ...): printed as "Error: …" without the usage
/// text (which is for wrong flags), exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Checks a host:port flag value before anything runs, so a bad one is a usage error (exit status 64).
func validateAddress(_ text: String?, flag: String, allowAnyPort: Bool = false) throws {
    guard let text else { return }
    do { _ = try HostPort(text, allowAnyPort: allowAnyPort) } catch {
        throw ValidationError("\(flag): \(error.reason); write it as HOST:PORT, e.g. 127.0.0.1:7420 or [::1]:7420")
    }
}

/// Checks a base64 Ed25519 key flag value before anything runs.
func validateKey(_ text: String?, flag: String = "--key") throws {
    guard let text else { return }
    guard Ed25519Base64.decode(text) != nil else {
        throw ValidationError(
            "\(flag): '\(text.prefix(60))' is not a base64 Ed25519 public key (the 'key' line of a trust card)"
        )
    }
}

extension NodeOptions {
    /// The coalition catalog of this node (read-only), for input checks of item codes.
    func catalog() throws -> CoalitionCatalog { try Node(root: paths.root, access: .readOnly).coalitionCatalog() }
}
