/// A SQL database an export writes into: SQLite and PostgreSQL alike. Statements use `placeholder(n)` for the
/// n-th parameter (1-based); integers are BIGINT, text TEXT, so both read back what was written.
public protocol ExportDatabase {
    /// Where the database is (file or URL without password), for messages.
    var location: String { get }
    func placeholder(_ number: Int) -> String
    /// Starts the transaction the whole export runs in, holding off other exports until it ends.
    func begin() async throws(ExportError)
    func commit() async throws(ExportError)
    func rollback() async
    /// Runs one statement with parameters, returning its rows.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) async throws(ExportError) -> [[SQLValue]]
}
