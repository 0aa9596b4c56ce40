import CSQLite

/// The SQLite library this process runs with.
public enum SQLiteLibrary {
    /// `sqlite3_libversion()`: "3.40.1". `steward version` prints it.
    public static var runtimeVersion: String {
        String(cString: sqlite3_libversion())
    }
}
