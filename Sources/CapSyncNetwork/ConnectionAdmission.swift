internal import Foundation
internal import NIOCore

/// Who may hold what on a listening node (Protocol/sync.md §Admission): connections still in their TLS handshake
/// have their own small budget and never take a session slot; sessions are admitted only once the peer is
/// pinned, up to a total and a cap per partner. So anyone who can reach the port cannot block honest partners,
/// and one member cannot hold every session slot.
final class ConnectionAdmission: @unchecked Sendable {  // state guarded by `lock`
    /// A connection's claim on the pre-authentication budget, released when its handshake ends either way.
    final class Ticket: @unchecked Sendable {
        let number: UInt64
        let address: String
        let channel: any Channel
        fileprivate weak var owner: ConnectionAdmission?
        init(number: UInt64, address: String, channel: any Channel) {
            self.number = number
            self.address = address
            self.channel = channel
        }
        func release() { owner?.release(self) }
    }

    enum SessionVerdict: Equatable {
        case admitted
        case tooManySessions(limit: Int)
        case tooManySessionsForPartner(partner: String, limit: Int)
    }

    private let lock = NSLock()
    private let maxPending: Int
    private let maxPendingPerAddress: Int
    private let maxSessions: Int
    private let maxPerPartner: Int
    private var pending: [UInt64: Ticket] = [:]
    private var pendingOrder: [UInt64] = []
    private var pendingPerAddress: [String: Int] = [:]
    private var nextNumber: UInt64 = 0
    private var sessions = 0
    private var sessionsPerPartner: [String: Int] = [:]
    /// Connections closed for being over the per-address budget, and pending ones dropped for new ones.
    private(set) var refusedPreAuth = 0
    private(set) var evictedPreAuth = 0

    init(maxPending: Int, maxPendingPerAddress: Int, maxSessions: Int, maxPerPartner: Int) {
        self.maxPending = maxPending
        self.maxPendingPerAddress = maxPendingPerAddress
        self.maxSessions = maxSessions
        self.maxPerPartner = maxPerPartner
    }

    /// A new connection from `address`: a ticket, or nil when that address already has its share of handshakes
    /// in progress (the caller closes it). When the total is reached, the oldest handshake is dropped: honest
    /// handshakes take milliseconds, so the oldest pending connection is the likeliest to be idle.
    func admitConnection(address: String, channel: any Channel) -> Ticket? {
        var evicted: Ticket?
        let ticket: Ticket? = lock.withLock {
            guard pendingPerAddress[address, default: 0] < maxPendingPerAddress else {
                refusedPreAuth += 1
                return nil
            }
            if pending.count >= maxPending, let oldest = pendingOrder.first {
                evicted = removePending(oldest)
                evictedPreAuth += 1
            }
            nextNumber += 1
            let ticket = Ticket(number: nextNumber, address: address, channel: channel)
            ticket.owner = self
            pending[ticket.number] = ticket
            pendingOrder.append(ticket.number)
            pendingPerAddress[address, default: 0] += 1
            return ticket
        }
        evicted?.channel.close(promise: nil)
        return ticket
    }

    fileprivate func release(_ ticket: Ticket) {
        lock.withLock { _ = removePending(ticket.number) }
    }

    private func removePending(_ number: UInt64) -> Ticket? {
        guard let ticket = pending.removeValue(forKey: number) else { return nil }
        if let index = pendingOrder.firstIndex(of: number) { pendingOrder.remove(at: index) }
        pendingPerAddress[ticket.address, default: 1] -= 1
        if pendingPerAddress[ticket.address] == 0 { pendingPerAddress[ticket.address] = nil }
        return ticket
    }

    /// A pinned peer of `partner` asks for a session.
    func admitSession(partner: String) -> SessionVerdict {
        lock.withLock {
            guard sessions < maxSessions else { return .tooManySessions(limit: maxSessions) }
            guard sessionsPerPartner[partner, default: 0] < maxPerPartner else {
                return .tooManySessionsForPartner(partner: partner, limit: maxPerPartner)
            }
            sessions += 1
            sessionsPerPartner[partner, default: 0] += 1
            return .admitted
        }
    }

    func endSession(partner: String) {
        lock.withLock {
            sessions -= 1
            sessionsPerPartner[partner, default: 1] -= 1
            if sessionsPerPartner[partner] == 0 { sessionsPerPartner[partner] = nil }
        }
    }

    var pendingCount: Int { lock.withLock { pending.count } }
}
