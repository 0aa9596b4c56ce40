/// A table's column list, from which the SELECT and UPSERT texts are derived so they cannot drift apart.
struct StoreTable: Sendable {
    let name: String
    /// The primary-key column the upsert conflicts on.
    let key: String
    /// Every column, in the order rows are bound and read.
    let columns: [String]

    /// `SELECT <columns> FROM <table>`, to which callers append WHERE / ORDER BY.
    var selectSQL: String { "SELECT \(columns.joined(separator: ", ")) FROM \(name)" }

    /// `selectSQL` with some columns read as NULL (same positions, nothing decoded).
    func selectSQL(skipping skipped: Set<String>) -> String {
        "SELECT \(columns.map { skipped.contains($0) ? "NULL" : $0 }.joined(separator: ", ")) FROM \(name)"
    }

    /// Inserts a row, or updates every non-key column of the existing one.
    ///
    /// Not `INSERT OR REPLACE`: that deletes the old row first, which would fire `ON DELETE` actions of
    /// tables that will reference this one.
    var upsertSQL: String {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let updates = columns.filter { $0 != key }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES (\(placeholders)) "
            + "ON CONFLICT (\(key)) DO UPDATE SET \(updates)"
    }
}
