internal import Foundation
internal import NIOCore
internal import NIOPosix

/// Socket errors in words an operator acts on, with the address, instead of the library's internals
/// ("SingleConnectionFailure(target: ..., error: connection reset (error set): Connection refused (errno: 111))").
enum NetworkErrorText {
    /// Why dialing `address` failed.
    static func connect(_ error: any Error, address: String, timeout: TimeAmount) -> String {
        switch errno(of: error) {
        case ECONNREFUSED:
            return "connection refused by \(address) (no CapSync node listens there, or a firewall refuses)"
        case ENETUNREACH, EHOSTUNREACH: return "no route to \(address) (network or host unreachable)"
        case ETIMEDOUT: return "no answer from \(address) within \(timeout.nanoseconds / 1_000_000_000) s"
        default: break
        }
        if error is ChannelError, case .connectTimeout = error as? ChannelError {
            return "no answer from \(address) within \(timeout.nanoseconds / 1_000_000_000) s"
        }
        let text = "\(error)"
        if text.contains("NXDOMAIN") || text.contains("Name or service not known") || text.contains("getaddrinfo") {
            return "cannot resolve the host of \(address)"
        }
        return "cannot connect to \(address): \(text)"
    }

    /// Why listening on `address` failed.
    static func bind(_ error: any Error, address: String) -> String {
        switch errno(of: error) {
        case EADDRINUSE:
            return "address \(address) already in use (another capsync serve, or another program, listens there)"
        case EACCES: return "not allowed to listen on \(address) (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: return "address \(address) is not an address of this machine"
        default: return "cannot listen on \(address): \(error)"
        }
    }

    /// The errno behind a NIO error, wherever NIO nests it.
    static func errno(of error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        if let failure = error as? NIOConnectionError {
            for attempt in failure.connectionErrors {
                if let code = errno(of: attempt.error) { return code }
            }
            if let dns = failure.dnsAError ?? failure.dnsAAAAError { return errno(of: dns) }
        }
        return nil
    }
}
