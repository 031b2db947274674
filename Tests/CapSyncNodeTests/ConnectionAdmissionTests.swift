import NIOCore
import NIOEmbedded
import Testing

@testable import CapSyncNetwork

/// The admission bookkeeping on its own (Protocol/sync.md §Admission): the per-address and total handshake
/// budgets, eviction of the oldest pending handshake, and the session caps.
@Suite struct ConnectionAdmissionTests {
    @Test func handshakeBudgetPerAddressAndInTotalWithOldestEvicted() throws {
        let admission = ConnectionAdmission(maxPending: 3, maxPendingPerAddress: 2, maxSessions: 4, maxPerPartner: 2)
        let channels = (0..<5).map { _ in EmbeddedChannel() }
        for channel in channels { try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait() }
        let a1 = try #require(admission.admitConnection(address: "10.0.0.1", channel: channels[0]))
        _ = try #require(admission.admitConnection(address: "10.0.0.1", channel: channels[1]))
        // A third from the same address is refused outright.
        #expect(admission.admitConnection(address: "10.0.0.1", channel: channels[2]) == nil)
        _ = try #require(admission.admitConnection(address: "10.0.0.2", channel: channels[3]))
        #expect(admission.pendingCount == 3)
        // The total is reached: a newcomer drops the oldest pending handshake (a1), whose channel is closed.
        _ = try #require(admission.admitConnection(address: "10.0.0.3", channel: channels[4]))
        #expect(admission.pendingCount == 3)
        #expect(!channels[0].isActive)
        #expect(channels[1...].allSatisfy { $0.isActive })
        // Releasing an evicted ticket is harmless; releasing frees its address's share.
        a1.release()
        #expect(admission.admitConnection(address: "10.0.0.1", channel: EmbeddedChannel()) != nil)
    }

    @Test func sessionsAreCappedInTotalAndPerPartner() {
        let admission = ConnectionAdmission(maxPending: 8, maxPendingPerAddress: 8, maxSessions: 3, maxPerPartner: 2)
        #expect(admission.admitSession(partner: "EV") == .admitted)
        #expect(admission.admitSession(partner: "EV") == .admitted)
        #expect(admission.admitSession(partner: "EV") == .tooManySessionsForPartner(partner: "EV", limit: 2))
        #expect(admission.admitSession(partner: "NL") == .admitted)
        #expect(admission.admitSession(partner: "US") == .tooManySessions(limit: 3))
        admission.endSession(partner: "EV")
        #expect(admission.admitSession(partner: "US") == .admitted)
    }
}
