// CapSyncExportPostgres: `capsync export postgres URL`, the export's tables in PostgreSQL through postgres-nio.
// A module of its own so that only the export command links the driver.
public import CapSyncExport
public import CapSyncNode
public import Foundation
internal import Logging
internal import NIOCore
internal import PostgresNIO

/// A PostgreSQL connection the export runs its one transaction on.
public final class PostgresExportDatabase: ExportDatabase {
    private let connection: PostgresConnection
    private let logger = Logger(label: "capsync.export.postgres")
    public let location: String

    private init(connection: PostgresConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    /// Connects to `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (plain TCP; `sslmode=disable` or none).
    public static func connect(url text: String) async throws(ExportError) -> PostgresExportDatabase {
        let target = try PostgresURL(text)
        let configuration = PostgresConnection.Configuration(
            host: target.host,
            port: target.port,
            username: target.user,
            password: target.password,
            database: target.database,
            tls: .disable
        )
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration,
                id: 1,
                logger: Logger(label: "capsync.export.postgres")
            )
            return PostgresExportDatabase(connection: connection, location: target.redacted)
        } catch {
            throw ExportError("cannot connect to PostgreSQL: \(String(reflecting: error))", context: target.redacted)
        }
    }

    public func close() async { try? await connection.close() }

    public func placeholder(_ number: Int) -> String { "$\(number)" }

    /// One transaction; an advisory lock keeps a second export into the same database waiting until it ends.
    public func begin() async throws(ExportError) {
        try await execute("BEGIN", [])
        try await execute("SELECT pg_advisory_xact_lock(7420)", [])
    }

    public func commit() async throws(ExportError) { try await execute("COMMIT", []) }

    public func rollback() async { _ = try? await execute("ROLLBACK", []) }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws(ExportError) -> [[SQLValue]] {
        do {
            var bindings = PostgresBindings()
            for value in parameters {
                switch value {
                case .integer(let number): bindings.append(number)
                case .text(let text): bindings.append(text)
                case .null: bindings.appendNull()
                }
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var result: [[SQLValue]] = []
            for try await row in rows {
                var values: [SQLValue] = []
                for cell in row {
                    if cell.bytes == nil {
                        values.append(.null)
                    } else if cell.dataType == .int8 || cell.dataType == .int4 || cell.dataType == .int2 {
                        values.append(.integer(try cell.decode(Int64.self)))
                    } else {
                        values.append(.text(try cell.decode(String.self)))
                    }
                }
                result.append(values)
            }
            return result
        } catch {
            throw ExportError("'\(sql.prefix(80))' failed: \(String(reflecting: error))", context: location)
        }
    }
}

/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable]`.
struct PostgresURL {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    /// The URL without its password, for messages.
    var redacted: String

    init(_ text: String) throws(ExportError) {
        let shape = "write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw ExportError("'\(text.prefix(80))' is not a postgres:// URL; \(shape)", context: "URL") }
        guard let host = components.host, !host.isEmpty else {
            throw ExportError("the URL names no host; \(shape)", context: "URL")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ExportError("the URL names no user; \(shape)", context: "URL")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw ExportError("the URL names no database; \(shape)", context: "URL") }
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", item.value == "disable" else {
                throw ExportError(
                    "unsupported URL parameter \(item.name)=\(item.value ?? ""): only sslmode=disable (plain TCP, "
                        + "for a database on this host or a trusted network)",
                    context: "URL"
                )
            }
        }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        password = components.password
        self.database = database
        redacted = "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

extension IncrementalExport {
    /// Into a PostgreSQL database (the tables are created when missing).
    public static func postgres(node: Node, url: String, now: Date = Date()) async throws -> Result {
        let database = try await PostgresExportDatabase.connect(url: url)
        do {
            let result = try await export(node: node, into: database, now: now)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}
