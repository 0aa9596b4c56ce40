import Foundation

/// Which database holds Steward's state (docs/ARCHITECTURE.md §7): the state directory's SQLite file (the default),
/// or a PostgreSQL database several replicas share. Chosen by `--store URL` or `STEWARD_STORE_URL`, never by the
/// config repo: the store cannot come from the repo it reconciles.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// `<directory>/steward.db`.
    case sqlite(directory: URL)
    /// A libpq URL (`postgres://user:password@host:port/database?sslmode=require`).
    case postgres(url: String)

    /// Reads a store URL: `sqlite:DIR` (a state directory; `sqlite://DIR` too) or `postgres://…` / `postgresql://…`.
    /// - Parameter relativeTo: the directory a relative `sqlite:` path is resolved against.
    /// - Throws: `StoreError.Kind.invalidArgument` naming the accepted forms (the password is not repeated).
    public init(parsing text: String, relativeTo base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
            return
        }
        if lowered.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else {
                throw StoreError(.invalidArgument, "the store URL sqlite: names no directory; give sqlite:DIR, the state directory")
            }
            let expanded = (path as NSString).expandingTildeInPath
            let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
            self = .sqlite(directory: url.standardizedFileURL)
            return
        }
        throw StoreError(.invalidArgument, "the store URL \(PostgresConnection.redacted(trimmed).debugDescription) is neither "
            + "sqlite:DIR (a state directory's SQLite file) nor postgres://USER@HOST:PORT/DATABASE (PostgreSQL)")
    }

    /// The location without a password, for messages and logs: the state directory's path, or the URL.
    public var description: String {
        switch self {
        case .sqlite(let directory): directory.path
        case .postgres(let url): PostgresConnection.redacted(url)
        }
    }

    public var dialect: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}
