import CapSyncCrypto
import CapSyncWire
import Dispatch
import Foundation

/// Ed25519 verification of many entries across cores: the cost of ingest (docs/design.md D6).
///
/// Work is handed out in small chunks from a shared cursor rather than as one fixed slice per thread: on a
/// shared machine one of our threads is often descheduled for a while, and with fixed slices the other cores
/// would sit idle at the end of the call waiting for it. Each worker keeps one verifying context per author
/// (runs of one author arrive together, so it builds one or two per call).
enum SignatureVerifier {
    /// Entries per chunk: small enough that the last chunk leaves no core idle for long (a chunk is about a
    /// millisecond of one core), large enough that taking one costs nothing.
    static let chunkSize = 16

    static func verify(_ entries: [Entry], keys: [AuthorKey: Ed25519PublicKey], threads: Int) -> [Bool] {
        guard !entries.isEmpty else { return [] }
        let chunks = (entries.count + chunkSize - 1) / chunkSize
        let workers = max(1, min(threads > 0 ? threads : ProcessInfoCores.count, chunks))
        let cursor = ChunkCursor(count: chunks)
        var results = [Bool](repeating: false, count: entries.count)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var contexts: [AuthorKey: Ed25519Context] = [:]
                while let chunk = cursor.next() {
                    for index in (chunk * chunkSize)..<min(entries.count, (chunk + 1) * chunkSize) {
                        let entry = entries[index]
                        guard let key = keys[entry.author] else { continue }
                        if contexts[entry.author] == nil {
                            contexts[entry.author] = Ed25519Context(verifying: key)
                        }
                        // Each index is written by exactly one worker (the cursor hands each chunk out once).
                        output[index] =
                            contexts[entry.author].map(entry.verifySignature(using:))
                            ?? entry.verifySignature(using: key)
                    }
                }
            }
        }
        return results
    }

    /// Hands out chunk numbers 0, 1, 2, … once each, to whichever worker asks first.
    private final class ChunkCursor: @unchecked Sendable {
        private let lock = NSLock()
        private var nextChunk = 0
        private let count: Int

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard nextChunk < count else { return nil }
            nextChunk += 1
            return nextChunk - 1
        }
    }
}
