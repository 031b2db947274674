internal import CapSyncCrypto
internal import CapSyncWire
internal import Foundation

/// Writes the audit export layout (`capsync audit --export`): per author a folder named by the key in hex with
/// `author.pub.pem`, `partner` and per entry `<seq>.entry`, `.msg`, `.sig`, `.id`, `.prev`; fork proofs under
/// `forks/<author>-<seq>/{a,b}.*`; `index.csv` mapping folders to partner, key, first and last seq. Shared by the
/// audit of a store and of a bundle, so an auditor's openssl loop reads both the same way.
struct AuditExportWriter {
    let directory: String
    let roster: Roster
    private var index: [[String]] = []
    private var started: Set<AuthorKey> = []
    private(set) var written = 0

    init(directory: String, roster: Roster) throws(NodeError) {
        self.directory = directory
        self.roster = roster
        try Self.makeDirectory(directory)
    }

    static func makeDirectory(_ path: String) throws(NodeError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw NodeError(.io, "cannot create the directory", context: path)
        }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws(NodeError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw NodeError(.io, "cannot write", context: path)
        }
    }

    /// Creates the author's folder with its key (once), and names the range exported in `index.csv`.
    mutating func beginAuthor(_ author: AuthorKey, firstSeq: UInt64, lastSeq: UInt64) throws(NodeError) {
        let dir = directory + "/" + author.hex
        if !started.contains(author) {
            started.insert(author)
            try Self.makeDirectory(dir)
            let key: Ed25519PublicKey
            do { key = try author.publicKey() } catch { throw NodeError(.keys, "\(error)", context: author.hex) }
            try Self.write(Array(key.pem.utf8), dir + "/author.pub.pem")
            if let partner = roster.partner(of: author) {
                try Self.write(Array((partner + "\n").utf8), dir + "/partner")
            }
        }
        if firstSeq <= lastSeq { indexRow(author.hex, author, firstSeq, lastSeq) }
    }

    mutating func writeEntry(_ entry: Entry) throws(NodeError) {
        try Self.writeEntry(entry, base: "\(directory)/\(entry.author.hex)/\(entry.seq)")
        written += 1
    }

    mutating func writeForkProof(_ proof: ForkProof) throws(NodeError) {
        let folder = "forks/\(proof.author.hex)-\(proof.seq)"
        let dir = "\(directory)/\(folder)"
        try Self.makeDirectory(dir)
        if let key = try? proof.author.publicKey() { try Self.write(Array(key.pem.utf8), dir + "/author.pub.pem") }
        try Self.writeEntry(proof.first, base: dir + "/a")
        try Self.writeEntry(proof.second, base: dir + "/b")
        indexRow(folder, proof.author, proof.seq, proof.seq)
    }

    func finish() throws(NodeError) {
        try Self.write(
            Array(CSVTable.render(header: ["folder", "partner", "key", "first_seq", "last_seq"], rows: index).utf8),
            directory + "/index.csv"
        )
    }

    private mutating func indexRow(_ folder: String, _ author: AuthorKey, _ first: UInt64, _ last: UInt64) {
        index.append([
            folder, roster.partner(of: author) ?? "", Ed25519Base64.encode(author.bytes), String(first), String(last),
        ])
    }

    private static func writeEntry(_ entry: Entry, base: String) throws(NodeError) {
        try write(entry.encoded, base + ".entry")
        try write(entry.signingMessage, base + ".msg")
        try write(Array(entry.signature), base + ".sig")
        try write(Array((entry.id.hex + "\n").utf8), base + ".id")
        try write(Array((entry.prev.hex + "\n").utf8), base + ".prev")
    }
}
