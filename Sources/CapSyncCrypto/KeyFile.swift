#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Key and certificate files on disk (docs/design.md D4: PKCS#8 PEM, mode 0600, readable by `openssl pkey`).
///
/// A signing key is a partner's identity: losing it to a half-written file, to an overwrite by a second
/// `capsync init`, or to a world-readable mode is far worse than refusing to go on. So every write creates a new
/// file (never replaces one), with its final mode set before any byte is written, and is made durable (file and
/// directory fsynced) before it returns; a private key file the group or others may read is refused, not just
/// warned about. Every error names the file.
public enum KeyFile {
    /// Key and certificate PEM files are a few hundred bytes; anything larger is not one of ours.
    public static let maxFileSize = 64 * 1024
    /// Private keys: owner read/write only.
    public static let privateMode: UInt32 = 0o600
    /// Public keys and certificates: anyone may read them.
    public static let publicMode: UInt32 = 0o644

    // MARK: Private keys

    /// Writes `key` as PKCS#8 PEM to a new file with mode 0600, encrypted (AES-256-CBC, PBKDF2) when a
    /// passphrase is given. Refuses to overwrite an existing file (`fileExists`) and refuses an empty passphrase,
    /// which OpenSSL would accept but which protects nothing.
    public static func writePrivateKey(
        _ key: Ed25519PrivateKey,
        to path: String,
        passphrase: String? = nil
    )
        throws(CryptoError)
    {
        if passphrase?.isEmpty == true {
            throw CryptoError(
                .wrongPassphrase,
                "an empty passphrase protects nothing: give a passphrase, or none "
                    + "to write the key unencrypted",
                path: path
            )
        }
        let pem: String
        do { pem = try key.pkcs8PEM(passphrase: passphrase) } catch { throw error.at(path) }
        try createFile(path, contents: Array(pem.utf8), mode: privateMode)
    }

    /// Reads a PKCS#8 (or traditional) PEM private key, as `openssl genpkey` writes it. Refuses a file whose
    /// mode lets the group or others access it (`insecureFilePermissions`), and names the file in every error.
    public static func readPrivateKey(
        from path: String,
        passphrase: String? = nil
    ) throws(CryptoError)
        -> Ed25519PrivateKey
    {
        let text = try readText(path, requireOwnerOnly: true)
        do { return try Ed25519PrivateKey(pem: text, passphrase: passphrase) } catch { throw error.at(path) }
    }

    /// Whether the private key file is passphrase-encrypted, so a command knows to ask for the passphrase
    /// before trying to read it.
    public static func isEncryptedPrivateKey(at path: String) throws(CryptoError) -> Bool {
        try readText(path, requireOwnerOnly: true).contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    }

    // MARK: Public keys and certificates

    /// Writes the SubjectPublicKeyInfo PEM (`openssl pkey -pubin` reads it) to a new file with mode 0644.
    public static func writePublicKey(_ key: Ed25519PublicKey, to path: String) throws(CryptoError) {
        try createFile(path, contents: Array(key.pem.utf8), mode: publicMode)
    }

    public static func readPublicKey(from path: String) throws(CryptoError) -> Ed25519PublicKey {
        let text = try readText(path, requireOwnerOnly: false)
        do { return try Ed25519PublicKey(pem: text) } catch { throw error.at(path) }
    }

    /// Writes the certificate PEM (`openssl verify` and `openssl x509` read it) to a new file with mode 0644.
    public static func writeCertificate(_ certificate: X509Certificate, to path: String) throws(CryptoError) {
        try createFile(path, contents: Array(certificate.pem.utf8), mode: publicMode)
    }

    public static func readCertificate(from path: String) throws(CryptoError) -> X509Certificate {
        let text = try readText(path, requireOwnerOnly: false)
        do { return try X509Certificate(pem: text) } catch { throw error.at(path) }
    }

    // MARK: Files

    /// Creates `path` (O_CREAT|O_EXCL), sets `mode` exactly (whatever the umask), writes `contents`, fsyncs the
    /// file and its directory. On any failure after creating the file, removes it, so a retry starts clean.
    static func createFile(_ path: String, contents: [UInt8], mode: UInt32) throws(CryptoError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST {
                throw CryptoError(
                    .fileExists,
                    "the file already exists; CapSync never overwrites a key or "
                        + "certificate file: move it away first",
                    path: path
                )
            }
            throw systemError("cannot create the file", code, path)
        }
        var finished = false
        defer {
            if !finished {
                close(fd)
                unlink(path)
            }
        }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw systemError("cannot set the file mode", errno, path) }
        try writeAll(fd, contents, path)
        guard fsync(fd) == 0 else { throw systemError("cannot flush the file to disk (fsync)", errno, path) }
        finished = true
        guard close(fd) == 0 else {
            let code = errno
            unlink(path)
            throw systemError("cannot close the file", code, path)
        }
        try syncDirectory(containing: path)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(CryptoError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + written, raw.count - written) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw systemError("cannot write the file", code, path)
            }
            written += result
        }
    }

    /// Makes the new directory entry durable: without this a crash can lose a file whose data was fsynced.
    private static func syncDirectory(containing path: String) throws(CryptoError) {
        let directory = directoryName(of: path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError("cannot open the directory to flush it", errno, directory) }
        defer { close(fd) }
        // Some file systems cannot fsync a directory (EINVAL); there is nothing more to make durable there.
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw systemError("cannot flush the directory to disk (fsync)", errno, directory)
        }
    }

    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = path[..<slash]
        return directory.isEmpty ? "/" : String(directory)
    }

    /// Reads a small text file. With `requireOwnerOnly`, refuses any group or other permission bit, checked on
    /// the opened file itself so that a swap between check and read cannot slip through. O_NONBLOCK keeps a FIFO
    /// at the path from blocking the open; it is then refused as not a regular file.
    static func readText(_ path: String, requireOwnerOnly: Bool) throws(CryptoError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw systemError(code == ENOENT ? "no such file" : "cannot open the file", code, path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw systemError("cannot stat the file", errno, path) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else {
            throw CryptoError(.fileIO, "not a regular file", path: path)
        }
        let permissions = UInt32(info.st_mode) & 0o777
        if requireOwnerOnly && permissions & 0o077 != 0 {
            throw CryptoError(
                .insecureFilePermissions,
                "the private key file has mode \(octal(permissions)), so the group or others may read it; "
                    + "run `chmod 600 \(path)` if the key has not been exposed, otherwise replace the key",
                path: path
            )
        }
        guard info.st_size <= maxFileSize else {
            throw CryptoError(
                .fileIO,
                "the file is \(info.st_size) bytes; key and certificate files are at most "
                    + "\(maxFileSize)",
                path: path
            )
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let result = bytes.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + filled, raw.count - filled) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw systemError("cannot read the file", code, path)
            }
            if result == 0 { break }
            filled += result
        }
        return String(decoding: bytes[..<filled], as: UTF8.self)
    }

    private static func systemError(_ what: String, _ code: Int32, _ path: String) -> CryptoError {
        CryptoError(.fileIO, "\(what): \(String(cString: strerror(code)))", path: path)
    }

    private static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension CryptoError {
    /// The same error, naming `path`.
    func at(_ path: String) -> CryptoError {
        var copy = self
        copy.path = path
        return copy
    }
}
