// capsync-crash-writer — the process the crash harness kills (tools/crash-test/run).
//
//   capsync-crash-writer append DIR BATCHES BATCH-SIZE   appends, printing "acked SEQ ID" after each durable batch
//   capsync-crash-writer verify DIR ACKED-FILE           reopens, checks every acked seq is present with its id
//                                                        and every entry verifies (signature + chain); prints
//                                                        "lost N, self-forks F" (F: seqs acked with two ids)
// The own-chain journal lives in DIR-journal (the node directory's role), so kills hit its writes too.
// Both use one fixed signing key, so several writers (the two-writer test) share one own chain.
import CapSyncCrypto
import CapSyncLog
import CapSyncWire

#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered: a line is out of the process as soon as this returns, so the kill cannot lose an acked seq.
func writeLine(_ line: String, to fd: Int32) {
    let bytes = Array((line + "\n").utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n <= 0 { return }
        done += n
    }
}

func fail(_ message: String) -> Never {
    writeLine("capsync-crash-writer: \(message)", to: 2)
    exit(2)
}

func say(_ line: String) { writeLine(line, to: 1) }

let signingKey: Ed25519PrivateKey
let roster: Roster
do {
    signingKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
    roster = try Roster(serial: 1, members: [.init(partner: "NO", key: AuthorKey(signingKey.publicKey))])
} catch {
    fail("cannot set up the key: \(error)")
}

func nowMilliseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
}

/// The store with its own-chain journal in DIR-journal (created, with a fresh journal, on first use).
func openStore(_ directory: String) throws -> LogStore {
    let journal = directory + "-journal"
    let own = OwnChainOptions(author: AuthorKey(signingKey.publicKey), journalDirectory: journal)
    // Two writers may start at once (the two-writer test): one creates the journal, under a lock.
    let lock = open(directory + "-journal.lock", O_RDWR | O_CREAT, 0o644)
    flock(lock, LOCK_EX)
    if mkdir(journal, 0o755) == 0 { try LogStore.startOwnChain(own) }
    flock(lock, LOCK_UN)
    close(lock)
    return try LogStore(directory: directory, roster: roster, options: .init(ownChain: own))
}

let arguments = CommandLine.arguments
guard arguments.count == 5 || (arguments.count == 4 && arguments[1] == "verify") else {
    fail("usage: append DIR BATCHES BATCH-SIZE | verify DIR ACKED-FILE")
}

switch arguments[1] {
case "append":
    guard let batches = Int(arguments[3]), let batchSize = Int(arguments[4]), batches > 0, batchSize > 0 else {
        fail("BATCHES and BATCH-SIZE must be positive numbers")
    }
    do {
        let store = try openStore(arguments[2])
        if let recovery = store.recovery { say("recovered \(recovery)") }
        for batch in 0..<batches {
            let operations = (0..<batchSize).map { item in
                (kind: UInt64(1), payload: Array("batch \(batch) item \(item) of process \(getpid())".utf8))
            }
            let entries = try store.append(operations, signingKey: signingKey, nowMilliseconds: nowMilliseconds())
            for entry in entries { say("acked \(entry.seq) \(entry.id.hex)") }
        }
    } catch {
        fail("\(error)")
    }
case "verify":
    var acked: [UInt64: Set<String>] = [:]
    var text = ""
    if let handle = fopen(arguments[3], "r") {
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), handle) != nil {
            text += String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        fclose(handle)
    }
    // Only whole lines count: the kill may cut the last one.
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where line.hasPrefix("acked ")
    {
        let fields = line.dropFirst(6).split(separator: " ")
        if fields.count == 2, let seq = UInt64(fields[0]) { acked[seq, default: []].insert(String(fields[1])) }
    }
    do {
        let store = try openStore(arguments[2])
        let author = AuthorKey(signingKey.publicKey)
        let head = store.head(of: author)?.seq ?? 0
        let lost = acked.keys.filter { $0 > head }.count
        var selfForks = acked.values.filter { $0.count > 1 }.count
        var previous: Entry?
        var checked = 0
        try store.forEachEntry { entry in
            guard entry.verifySignature(using: signingKey.publicKey) else { fail("seq \(entry.seq) does not verify") }
            if let previous {
                try entry.checkFollows(previous)
            } else if entry.seq != 1 {
                fail("chain starts at \(entry.seq)")
            }
            if let ids = acked[entry.seq], ids.count == 1, !ids.contains(entry.id.hex) { selfForks += 1 }
            previous = entry
            checked += 1
        }
        guard UInt64(checked) == head else { fail("iterated \(checked) entries, head is \(head)") }
        if let recovery = store.recovery { say("recovered \(recovery)") }
        say("head \(head), acked \(acked.count), lost \(lost), self-forks \(selfForks)")
        exit(lost == 0 && selfForks == 0 ? 0 : 1)
    } catch {
        fail("verify failed: \(error)")
    }
default:
    fail("unknown command \(arguments[1])")
}
