import CapSyncWire

/// One sync session, either side of one connection (Protocol/sync.md §Session). Pure: messages in, messages
/// and store operations out; no I/O and no clock, so the same core runs over TLS, over an in-memory pipe and
/// inside a deterministic simulator.
///
/// The shell calls `start` once connected, `receive` for every decoded frame (awaiting each `.ingest` before
/// feeding the next frame), `nextOutput` whenever the transport can take more, and `abort` or
/// `connectionClosed` when its timers or the transport end the session. Because every store action is carried
/// out before the next frame is fed, the ACK this side sends after the peer's DONE reports what is stored. Nothing the peer says is trusted:
/// out-of-order messages, counts beyond limits and claims that contradict earlier ones end the session with
/// an ERROR frame.
///
/// A shell's loop, in outline (`perform` writes frames, runs store operations and reports ingest results with
/// `noteIngestResult`; it stops on `.finished` or `.failed`):
///
/// ```swift
/// perform(session.start(source: store))
/// while !session.isOver {
///     while transport.isWritable, case let actions = session.nextOutput(source: store), !actions.isEmpty {
///         perform(actions)
///     }
///     decoder.feed(try await transport.read())        // idle / handshake timers → session.abort(...)
///     while let message = try decoder.next() {        // a decoding error → perform(session.abort(error))
///         perform(session.receive(message, source: store))  // awaits each .ingest before the next frame
///     }
/// }
/// ```
public struct SyncSession: Sendable {
    public enum Phase: Sendable, Hashable {
        /// `start` not called yet.
        case idle
        /// HELLO and HEADS sent; waiting for the peer's (the handshake timeout applies).
        case handshake
        /// Entries flowing both ways until both DONEs, then both ACKs when both sides acknowledge (the idle
        /// timeout applies).
        case streaming
        case finished
        case failed
    }

    public let configuration: SessionConfiguration
    public private(set) var phase: Phase = .idle
    public private(set) var summary: SessionSummary

    /// Both sides sent DONE (and ACK, when both acknowledge).
    public var isFinished: Bool { phase == .finished }
    /// Both sides set the acknowledgements feature: the session ends only after both ACKs.
    public private(set) var isAcknowledging = false
    /// This side sent its ACK and waits only for the peer's, which the peer sends once it has stored what this
    /// side sent (the shell applies `acknowledgementTimeout` instead of the idle limit then).
    public var isAwaitingPeerAcknowledgement: Bool { sentAck && !receivedAck && !isOver }
    /// Finished or failed: the connection can be closed.
    public var isOver: Bool { phase == .finished || phase == .failed }

    // What I declared in HEADS; indexes into `declaredHeads` name authors in the peer's runs.
    private var declaredHeads: [Head] = []
    private var declaredIndex: [AuthorKey: Int] = [:]
    private var declaredForkSeq: [AuthorKey: UInt64] = [:]
    /// My heads as the store gave them at start (also authors I hold but do not list); caps what I send.
    private var heldHeads: [AuthorKey: Head] = [:]

    private var peerHello: SyncHello?
    private var peerHeads: SyncHeads?
    private var peerHeadSeq: [AuthorKey: UInt64] = [:]
    private var peerClaims: [AuthorKey: ForkClaim] = [:]

    /// Receiver state per declared author: what a continuation run must start with.
    private struct Inbound: Sendable {
        /// The seq a continuation must start at, and the prev it implies.
        var nextSeq: UInt64
        var prev: EntryID
        /// A continuation arrived (then no fork window may follow).
        var continued = false
        /// Fork-window entries arrived so far (then no continuation may follow).
        var windowEntries = 0
    }
    private var inbound: [Inbound] = []

    private var outbound: OutboundStream?
    private var pendingForkProofs: [ForkProof]?
    private var frameLimitToPeer = SyncLimits.minimumFrameBytes
    private var sentDone = false
    private var receivedDone = false
    private var sentAck = false
    private var receivedAck = false

    public init(configuration: SessionConfiguration) {
        self.configuration = configuration
        self.summary = SessionSummary(localLabel: configuration.label)
    }

    // MARK: Driving the session

    /// HELLO and HEADS, sent at once without waiting for the peer.
    public mutating func start(source: some SyncSource) -> [SyncAction] {
        guard phase == .idle else { return [] }
        let limits = configuration.limits
        for head in source.heads() { heldHeads[head.author] = head }
        declaredHeads = configuration.knownAuthors.sorted().map { heldHeads[$0] ?? Head(author: $0, seq: 0, id: .zero) }
        for (index, head) in declaredHeads.enumerated() { declaredIndex[head.author] = index }
        inbound = declaredHeads.map { Inbound(nextSeq: $0.seq + 1, prev: $0.id) }
        var lowest: [AuthorKey: ForkProof] = [:]
        for proof in source.forkProofs() where declaredIndex[proof.author] != nil {
            if let known = lowest[proof.author], known.seq <= proof.seq { continue }
            lowest[proof.author] = proof
        }
        for (author, proof) in lowest { declaredForkSeq[author] = proof.seq }
        let claims = lowest.keys.sorted().map { ForkClaim(lowest[$0]!) }
        phase = .handshake
        guard declaredHeads.count <= limits.maxAuthorsPerHeads else {
            return fail(
                SyncError(
                    .limitExceeded,
                    "this node knows \(declaredHeads.count) authors, over its own limit of "
                        + "\(limits.maxAuthorsPerHeads)",
                    context: "maxAuthorsPerHeads"
                )
            )
        }
        let hello = SyncHello(
            minVersion: configuration.supportedVersions.lowerBound,
            maxVersion: configuration.supportedVersions.upperBound,
            rosterHash: configuration.localRosterHash,
            features: configuration.acknowledgements ? SyncHello.acknowledgementsFeature : 0,
            maxFrameBytes: UInt32(limits.maxFrameBytes),
            maxEntriesPerBatch: UInt32(limits.maxEntriesPerBatch),
            label: configuration.label
        )
        return [send(.hello(hello)), send(.heads(SyncHeads(heads: declaredHeads, forkClaims: claims)))]
    }

    /// One decoded frame from the peer. (Called before `start`, it starts the session first.)
    public mutating func receive(_ message: SyncMessage, source: some SyncSource) -> [SyncAction] {
        var actions: [SyncAction] = []
        if phase == .idle { actions = start(source: source) }
        guard phase == .handshake || phase == .streaming else { return actions }
        summary.framesReceived += 1
        summary.bytesReceived += message.encodedSize
        do throws(SyncError) {
            switch message {
            case .error(let frame):
                phase = .failed
                let error = SyncError(
                    .peerError,
                    frame.text,
                    context: frame.knownCode?.description,
                    peer: peerName,
                    remoteCode: frame.code
                )
                return actions + [.failed(error)]
            case .hello(let hello): actions += try receiveHello(hello)
            case .heads(let heads): actions += try receiveHeads(heads, source: source)
            case .entries(let batch): actions += try receiveEntries(batch, source: source)
            case .forks(let proofs): actions += try receiveForks(proofs)
            case .done(let done): actions += try receiveDone(done, source: source)
            case .ack(let ack): actions += try receiveAck(ack)
            }
            return actions
        } catch {
            return actions + fail(error)
        }
    }

    /// The next thing to send when the transport can take more: an ENTRIES batch, a FORKS frame, DONE (with ACK
    /// when the peer's DONE is already in), or nothing (not streaming yet, or everything sent).
    public mutating func nextOutput(source: some SyncSource) -> [SyncAction] {
        guard phase == .streaming, !sentDone, outbound != nil else { return [] }
        if let batch = outbound?.nextBatch(source: source) {
            summary.entriesSent += batch.entryCount
            return [send(.entries(batch))]
        }
        if pendingForkProofs == nil { pendingForkProofs = forkProofsOwed(source: source) }
        if let proofs = pendingForkProofs, !proofs.isEmpty {
            var size = SyncMessage.frameHeaderSize + 3
            var take = 0
            while take < proofs.count, take < SyncLimits.forkProofsPerFrameSent {
                let proofSize = proofs[take].encoded.count
                guard take == 0 || size + proofSize <= frameLimitToPeer else { break }
                size += proofSize
                take += 1
            }
            pendingForkProofs = Array(proofs.dropFirst(take))
            summary.forkProofsSent += take
            return [send(.forks(Array(proofs.prefix(take))))]
        }
        sentDone = true
        var actions = [
            send(
                .done(
                    SyncDone(entriesSent: UInt64(summary.entriesSent), forkProofsSent: UInt64(summary.forkProofsSent))
                )
            )
        ]
        if receivedDone { actions += bothDone(source: source) }
        return actions
    }

    /// The store's verdict on a received ENTRIES batch, for the summary and the ACK.
    public mutating func noteIngestResult(accepted: Int, refused: Int) {
        summary.entriesAccepted += accepted
        summary.entriesRefused += refused
    }

    /// Entries of received fork proofs the store took into a chain (not part of the ENTRIES figures).
    mutating func noteForkProofEntriesAccepted(_ count: Int) { summary.entriesAcceptedFromForkProofs += count }

    /// Received fork proofs the store kept as new, for the summary and the ACK.
    mutating func noteForkProofsKept(_ count: Int) { summary.forkProofsKept += count }

    /// Ends the session from the shell's side (a timeout, the node shutting down): an ERROR frame, then failed.
    public mutating func abort(_ error: SyncError) -> [SyncAction] {
        guard !isOver else { return [] }
        return fail(error)
    }

    /// The transport closed. Harmless once the session finished; before, it failed (what was ingested stays).
    public mutating func connectionClosed() -> [SyncAction] {
        guard !isOver else { return [] }
        phase = .failed
        return [
            .failed(
                SyncError(
                    .connectionClosed,
                    isAcknowledging && receivedDone && sentDone
                        ? "the connection closed before the peer acknowledged what it received (ACK); "
                            + "the next sync resumes from the heads"
                        : "the connection closed before both sides sent DONE; the next sync resumes from the heads",
                    peer: peerName
                )
            )
        ]
    }

    // MARK: Messages

    private mutating func receiveHello(_ hello: SyncHello) throws(SyncError) -> [SyncAction] {
        guard peerHello == nil else { throw SyncError(.unexpectedMessage, "HELLO arrived twice", context: "HELLO") }
        summary.peerLabel = SyncHello.displayLabel(hello.label)
        let mine = configuration.supportedVersions
        let low = max(hello.minVersion, mine.lowerBound)
        let high = min(hello.maxVersion, mine.upperBound)
        guard low <= high else {
            throw SyncError(
                .unsupportedVersion,
                "the peer speaks versions \(hello.minVersion)...\(hello.maxVersion), "
                    + "this node \(mine.lowerBound)...\(mine.upperBound)",
                context: "HELLO"
            )
        }
        guard Int(hello.maxFrameBytes) >= SyncLimits.minimumFrameBytes, hello.maxEntriesPerBatch >= 1 else {
            throw SyncError(
                .limitExceeded,
                "the peer accepts frames of \(hello.maxFrameBytes) bytes and \(hello.maxEntriesPerBatch) entries; "
                    + "at least \(SyncLimits.minimumFrameBytes) bytes and 1 entry are needed",
                context: "HELLO"
            )
        }
        peerHello = hello
        summary.negotiatedVersion = high
        isAcknowledging =
            configuration.acknowledgements && hello.features & SyncHello.acknowledgementsFeature != 0
        summary.acknowledgementsAgreed = isAcknowledging
        frameLimitToPeer = min(Int(hello.maxFrameBytes), configuration.limits.maxFrameBytes)
        guard hello.rosterHash == configuration.localRosterHash else {
            summary.warnings.append(
                "roster mismatch: ours \(configuration.localRosterHash.short), peer \(peerName ?? "?")'s "
                    + "\(hello.rosterHash.short); entries of authors either side does not know are not exchanged"
            )
            return [.rosterMismatch(local: configuration.localRosterHash, remote: hello.rosterHash)]
        }
        return []
    }

    private mutating func receiveHeads(_ heads: SyncHeads, source: some SyncSource) throws(SyncError) -> [SyncAction] {
        guard let hello = peerHello else {
            throw SyncError(.unexpectedMessage, "HEADS arrived before HELLO", context: "HEADS")
        }
        guard peerHeads == nil else { throw SyncError(.unexpectedMessage, "HEADS arrived twice", context: "HEADS") }
        // The decoder checks these; a shell that builds messages itself (a simulator) gets the same checks.
        guard heads.heads.count <= configuration.limits.maxAuthorsPerHeads else {
            throw SyncError(
                .limitExceeded,
                "\(heads.heads.count) heads, over the limit of \(configuration.limits.maxAuthorsPerHeads)",
                context: "HEADS"
            )
        }
        guard zip(heads.heads, heads.heads.dropFirst()).allSatisfy({ $0.author < $1.author }),
            heads.heads.allSatisfy({ $0.seq <= Entry.maxSeq && ($0.seq == 0) == ($0.id == .zero) })
        else {
            throw SyncError(
                .malformedFrame,
                "heads must be strictly ascending by author, with an id exactly when seq > 0",
                context: "HEADS"
            )
        }
        peerHeads = heads
        var actions: [SyncAction] = []
        var items: [OutboundStream.Item] = []
        for claim in heads.forkClaims { peerClaims[claim.author] = claim }
        for (index, head) in heads.heads.enumerated() {
            peerHeadSeq[head.author] = head.seq
            if head.seq > 0 {
                summary.peerHeads.append(head)
                if declaredIndex[head.author] != nil { actions.append(.peerHead(head)) }
            }
            guard let mine = heldHeads[head.author], mine.seq > 0, head.seq <= mine.seq else { continue }
            if head.seq == 0 {
                items.append(
                    .init(
                        author: head.author,
                        peerIndex: UInt32(index),
                        nextSeq: 1,
                        lastSeq: mine.seq,
                        isForkWindow: false
                    )
                )
                continue
            }
            let myID = head.seq == mine.seq ? mine.id : source.entry(author: head.author, seq: head.seq)?.id
            guard let myID else { continue }
            if myID == head.id {
                if mine.seq > head.seq {
                    items.append(
                        .init(
                            author: head.author,
                            peerIndex: UInt32(index),
                            nextSeq: head.seq + 1,
                            lastSeq: mine.seq,
                            isForkWindow: false
                        )
                    )
                }
            } else {
                // The author signed two different entries at this seq: the peer and I hold different branches.
                summary.divergentAuthors.append(head.author)
                summary.warnings.append(
                    "author \(head.author.short) forked: at seq \(head.seq) peer \(peerName ?? "?") holds "
                        + "\(head.id.short), this node \(myID.short)"
                )
                if let window = forkWindow(peerHeadSeq: head.seq, claim: peerClaims[head.author]) {
                    items.append(
                        .init(
                            author: head.author,
                            peerIndex: UInt32(index),
                            nextSeq: window.lowerBound,
                            lastSeq: window.upperBound,
                            isForkWindow: true
                        )
                    )
                }
            }
        }
        for (author, head) in heldHeads where peerHeadSeq[author] == nil { summary.entriesWithheld += Int(head.seq) }
        let entryLimit = min(Int(hello.maxEntriesPerBatch), configuration.limits.maxEntriesPerBatch)
        outbound = OutboundStream(
            items: items,
            peerHeads: heads.heads,
            frameLimit: frameLimitToPeer,
            entryLimit: entryLimit
        )
        phase = .streaming
        return actions
    }

    private mutating func receiveEntries(
        _ batch: EntriesBatch,
        source: some SyncSource
    ) throws(SyncError) -> [SyncAction] {
        try expectStreaming("ENTRIES")
        guard !batch.runs.isEmpty,
            batch.runs.allSatisfy({ !$0.entries.isEmpty && $0.firstSeq >= 1 && $0.firstSeq <= Entry.maxSeq })
        else {
            throw SyncError(
                .malformedFrame,
                "every run holds at least one entry and starts at seq 1 or above",
                context: "ENTRIES"
            )
        }
        guard batch.entryCount <= configuration.limits.maxEntriesPerBatch else {
            throw SyncError(
                .limitExceeded,
                "\(batch.entryCount) entries, over the limit of \(configuration.limits.maxEntriesPerBatch) per batch",
                context: "ENTRIES"
            )
        }
        var entries: [Entry] = []
        entries.reserveCapacity(batch.entryCount)
        for (r, run) in batch.runs.enumerated() {
            let field = "ENTRIES.runs[\(r)]"
            guard Int(run.authorIndex) < declaredHeads.count else {
                throw SyncError(
                    .disagreeingClaim,
                    "names author #\(run.authorIndex), but this node listed \(declaredHeads.count)",
                    context: field
                )
            }
            let index = Int(run.authorIndex)
            let declared = declaredHeads[index]
            let claimed = peerHeadSeq[declared.author] ?? 0
            guard run.lastSeq <= claimed else {
                throw SyncError(
                    .disagreeingClaim,
                    "sends seq \(run.lastSeq) of author \(declared.author.short), "
                        + "beyond the head \(claimed) it declared",
                    context: field
                )
            }
            let state = inbound[index]
            let rebuilt: [Entry]
            if run.firstSeq == state.nextSeq, state.windowEntries == 0 {
                rebuilt = try rebuild(run, author: declared.author, prev: run.prev ?? state.prev, field: field)
                inbound[index] = Inbound(nextSeq: run.lastSeq + 1, prev: rebuilt[rebuilt.count - 1].id, continued: true)
            } else if !state.continued, run.lastSeq <= declared.seq, run.prev != nil || run.firstSeq == 1,
                state.windowEntries + run.entries.count <= SyncLimits.forkWindow
            {
                // A fork window: entries of another branch at or below my head; the store compares them with
                // its own and keeps a proof where they differ.
                rebuilt = try rebuild(run, author: declared.author, prev: run.prev ?? .zero, field: field)
                inbound[index].windowEntries += run.entries.count
                if !summary.divergentAuthors.contains(declared.author) {
                    summary.divergentAuthors.append(declared.author)
                }
            } else {
                throw SyncError(
                    .disagreeingClaim,
                    "a run of author \(declared.author.short) starts at seq \(run.firstSeq)"
                        + "\(run.prev == nil ? " with an implied prev" : ""), expected seq \(state.nextSeq)",
                    context: field
                )
            }
            entries.append(contentsOf: rebuilt)
        }
        summary.entriesReceived += entries.count
        return [.ingest(entries)]
    }

    private mutating func receiveForks(_ proofs: [ForkProof]) throws(SyncError) -> [SyncAction] {
        try expectStreaming("FORKS")
        summary.forkProofsReceived += proofs.count
        var useful: [ForkProof] = []
        for proof in proofs
        where declaredIndex[proof.author] != nil && proof.seq < declaredForkSeq[proof.author] ?? .max {
            declaredForkSeq[proof.author] = proof.seq
            useful.append(proof)
        }
        return useful.isEmpty ? [] : [.ingestForkProofs(useful)]
    }

    private mutating func receiveDone(_ done: SyncDone, source: some SyncSource) throws(SyncError) -> [SyncAction] {
        try expectStreaming("DONE")
        guard done.entriesSent == UInt64(summary.entriesReceived),
            done.forkProofsSent == UInt64(summary.forkProofsReceived)
        else {
            throw SyncError(
                .disagreeingClaim,
                "DONE counts \(done.entriesSent) entries and \(done.forkProofsSent) proofs sent, "
                    + "but \(summary.entriesReceived) and \(summary.forkProofsReceived) arrived",
                context: "DONE"
            )
        }
        receivedDone = true
        return sentDone ? bothDone(source: source) : []
    }

    /// Both DONEs are through, and every batch received was stored before this point (the shell carries out each
    /// store action before it feeds the next frame): finished, or — when both acknowledge — ACK what was stored.
    private mutating func bothDone(source: some SyncSource) -> [SyncAction] {
        guard isAcknowledging else { return [finish()] }
        var authors: UInt64 = 0
        var held: UInt64 = 0
        for head in source.heads() where head.seq > 0 {
            authors += 1
            held = held.addingReportingOverflow(head.seq).overflow ? .max : held + head.seq
        }
        let ack = SyncAck(
            entriesStored: UInt64(summary.entriesAccepted),
            entriesAlreadyHeld: UInt64(summary.entriesAlreadyHeld),
            entriesRefused: UInt64(summary.entriesRefused),
            forkProofsKept: UInt64(summary.forkProofsKept),
            authorsHeld: authors,
            entriesHeld: held
        )
        summary.acknowledgement = ack
        sentAck = true
        let actions = [send(.ack(ack))]
        return receivedAck ? actions + [finish()] : actions
    }

    /// The peer's ACK: only when both acknowledge, after both DONEs, once; its figures must account for exactly
    /// what this side sent (Protocol/sync.md §ACK).
    private mutating func receiveAck(_ ack: SyncAck) throws(SyncError) -> [SyncAction] {
        guard phase == .streaming, isAcknowledging else {
            throw SyncError(
                .unexpectedMessage,
                phase == .streaming
                    ? "ACK arrived, but acknowledgements were not agreed in HELLO"
                    : "ACK arrived before the peer's HELLO and HEADS",
                context: "ACK"
            )
        }
        guard receivedDone, sentDone, !receivedAck else {
            throw SyncError(
                .unexpectedMessage,
                receivedAck
                    ? "ACK arrived twice"
                    : "ACK arrived before \(receivedDone ? "this side's" : "the peer's") DONE",
                context: "ACK"
            )
        }
        let (partial, overflowA) = ack.entriesStored.addingReportingOverflow(ack.entriesAlreadyHeld)
        let (accounted, overflowB) = partial.addingReportingOverflow(ack.entriesRefused)
        guard !overflowA, !overflowB, accounted == UInt64(summary.entriesSent) else {
            throw SyncError(
                .disagreeingClaim,
                "ACK accounts for \(ack.entriesStored) stored, \(ack.entriesAlreadyHeld) already held and "
                    + "\(ack.entriesRefused) refused entries, but this side sent \(summary.entriesSent)",
                context: "ACK"
            )
        }
        guard ack.forkProofsKept <= UInt64(summary.forkProofsSent) else {
            throw SyncError(
                .disagreeingClaim,
                "ACK claims \(ack.forkProofsKept) fork proofs kept, but this side sent \(summary.forkProofsSent)",
                context: "ACK"
            )
        }
        // What the peer declared in HEADS, plus what it says it stored, is a floor for what it now holds.
        var declaredAuthors: UInt64 = 0
        var floor = ack.entriesStored
        for head in peerHeads?.heads ?? [] where head.seq > 0 {
            declaredAuthors += 1
            floor = floor.addingReportingOverflow(head.seq).overflow ? .max : floor + head.seq
        }
        guard ack.entriesHeld >= floor, ack.authorsHeld >= declaredAuthors, ack.authorsHeld <= ack.entriesHeld else {
            throw SyncError(
                .disagreeingClaim,
                "ACK says the peer holds \(ack.entriesHeld) entries of \(ack.authorsHeld) authors, but it declared "
                    + "\(declaredAuthors) authors in HEADS and stored \(ack.entriesStored) more: at least \(floor) "
                    + "entries",
                context: "ACK"
            )
        }
        receivedAck = true
        summary.peerAcknowledgement = ack
        return sentAck ? [finish()] : []
    }

    // MARK: Helpers

    private var peerName: String? { configuration.peerDescription ?? summary.peerLabel }

    private func expectStreaming(_ name: String) throws(SyncError) {
        guard phase == .streaming else {
            throw SyncError(.unexpectedMessage, "\(name) arrived before the peer's HELLO and HEADS", context: name)
        }
        guard !receivedDone else {
            throw SyncError(.unexpectedMessage, "\(name) arrived after the peer's DONE", context: name)
        }
    }

    private func rebuild(
        _ run: CompactRun,
        author: AuthorKey,
        prev: EntryID,
        field: String
    ) throws(SyncError) -> [Entry] {
        do throws(WireError) {
            return try run.rebuild(author: author, prev: prev)
        } catch {
            throw SyncError(decoding: error, message: field)
        }
    }

    /// The seqs of my branch to send when the peer's head disagrees with it (Protocol/sync.md §What is sent):
    /// the window up to the peer's head when it holds no proof at or below it; the window just below its proof
    /// when that proof's prevs differ (the fork began lower); nothing when its proof already marks where the
    /// branches part.
    private func forkWindow(peerHeadSeq: UInt64, claim: ForkClaim?) -> ClosedRange<UInt64>? {
        let window = UInt64(SyncLimits.forkWindow)
        guard let claim, claim.seq <= peerHeadSeq else {
            return (peerHeadSeq >= window ? peerHeadSeq - window + 1 : 1)...peerHeadSeq
        }
        guard claim.deeper, claim.seq > 1 else { return nil }
        return (claim.seq > window ? claim.seq - window : 1)...(claim.seq - 1)
    }

    /// Proofs for authors the peer lists, where the peer holds none or only one at a higher seq.
    private func forkProofsOwed(source: some SyncSource) -> [ForkProof] {
        var best: [AuthorKey: ForkProof] = [:]
        for proof in source.forkProofs() where peerHeadSeq[proof.author] != nil {
            guard proof.seq < peerClaims[proof.author]?.seq ?? .max else { continue }
            if let known = best[proof.author], known.seq <= proof.seq { continue }
            best[proof.author] = proof
        }
        return best.keys.sorted().map { best[$0]! }
    }

    private mutating func send(_ message: SyncMessage) -> SyncAction {
        summary.framesSent += 1
        summary.bytesSent += message.encodedSize
        return .send(message)
    }

    private mutating func finish() -> SyncAction {
        phase = .finished
        return .finished(summary)
    }

    private mutating func fail(_ error: SyncError) -> [SyncAction] {
        var error = error
        if error.peer == nil { error.peer = peerName }
        phase = .failed
        return [send(.error(SyncErrorMessage(error))), .failed(error)]
    }
}
