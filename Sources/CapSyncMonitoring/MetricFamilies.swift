internal import Prometheus

/// The counters: names, units and help text in one place (docs/operations.md mirrors this list).
enum CounterFamily {
    case sessions, entriesReceived, entriesSent, entriesAccepted, entriesRefused, entriesVerified
    case bytesReceived, bytesSent, sessionSeconds

    var descriptor: MetricNameDescriptor {
        switch self {
        case .sessions: describe("sessions", "total", "Sync sessions finished, either side, by result (ok, failed).")
        case .entriesReceived: describe("entries_received", "total", "Entries received from a peer.")
        case .entriesSent: describe("entries_sent", "total", "Entries sent to a peer.")
        case .entriesAccepted:
            describe("entries_accepted", "total", "Entries from a peer the store verified and accepted.")
        case .entriesRefused: describe("entries_refused", "total", "Entries from a peer the store refused.")
        case .entriesVerified:
            describe(
                "entries_verified",
                "total",
                "Entries whose signature and chain were checked (accepted + refused); rate() gives the verify rate."
            )
        case .bytesReceived: describe("received", "bytes_total", "Sync protocol bytes received from a peer.")
        case .bytesSent: describe("sent", "bytes_total", "Sync protocol bytes sent to a peer.")
        case .sessionSeconds: describe("session", "seconds_total", "Time spent in sync sessions with a peer.")
        }
    }
}

/// The gauges read at scrape time.
enum GaugeFamily {
    case startTime, rosterSerial, rosterFork, storeBytes, storeEntries, forkedAuthors, openDescriptors
    case ownAppendsRefused, storeWritable, headSeq, partnerLastEntry, silentPartners, peerLastSuccess

    var descriptor: MetricNameDescriptor {
        switch self {
        case .startTime: describe("start_time", "seconds", "When this daemon started (Unix time).")
        case .rosterSerial:
            describe("roster_serial", "", "Serial of the roster in force (the roster chain's head once adopted).")
        case .rosterFork:
            describe("roster_fork", "", "1 when two roster versions at one serial each reached the threshold.")
        case .storeBytes: describe("store_size", "bytes", "Bytes of the store's segment files on disk.")
        case .storeEntries: describe("store_entries", "", "Entries held in the store.")
        case .forkedAuthors:
            describe("forked_authors", "", "Signing keys with a proven fork (two entries at one seq).")
        case .openDescriptors: describe("process_open_fds", "", "File descriptors the daemon holds open.")
        case .ownAppendsRefused:
            describe("own_appends_refused", "", "1 while appends with this node's key are refused (own chain gap).")
        case .storeWritable:
            describe("store_writable", "", "1 when the store directory took a probe write and fsync at this scrape.")
        case .headSeq: describe("head_seq", "", "Seq of the newest entry held per author (signing key).")
        case .partnerLastEntry:
            describe("partner_last_entry_timestamp", "seconds", "Timestamp of a partner's newest entry held (0: none).")
        case .silentPartners:
            describe("silent_partners", "", "Roster partners with no entry within the configured stale days.")
        case .peerLastSuccess:
            describe(
                "peer_last_success_timestamp",
                "seconds",
                "When the last successful sync with a peer finished (Unix time; 0: never)."
            )
        }
    }
}

private func describe(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "capsync", metricName: name, unitName: unit, helpText: help)
}
