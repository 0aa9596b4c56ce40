import CSQLite
import Foundation

/// One prepared statement (`sqlite3_stmt*`): compiled in `SQLiteDatabase.prepare`, finalized in `deinit`.
///
/// Its database owns it (statement cache) and finalizes it before closing; the back reference is
/// `unowned` because a strong one would make a cycle that never closes the connection.
final class SQLiteStatement: SQLRow {
    private unowned let database: SQLiteDatabase
    private let handle: OpaquePointer

    init(database: SQLiteDatabase, handle: OpaquePointer) {
        self.database = database
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// The SQL text, for error messages.
    var sql: String { String(cString: sqlite3_sql(handle)) }

    // MARK: Binding

    /// Binds `values` to parameters 1…n.
    func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to the 1-based parameter `index`. Text and blobs are copied by SQLite.
    func bind(_ value: SQLiteValue, at index: Int32) throws {
        let code: Int32 = switch value {
        case .null:
            sqlite3_bind_null(handle, index)
        case .integer(let integer):
            sqlite3_bind_int64(handle, index, integer)
        case .real(let real):
            sqlite3_bind_double(handle, index, real)
        case .text(let text):
            // Explicit length: a Swift string may contain NUL, which a C-string bind would cut at.
            text.utf8CString.withUnsafeBufferPointer { chars in
                sqlite3_bind_text64(
                    handle, index, chars.baseAddress, UInt64(chars.count - 1), steward_sqlite_transient(),
                    UInt8(SQLITE_UTF8)
                )
            }
        case .blob(let data) where data.isEmpty:
            // A nil pointer would bind NULL; an empty blob must stay an empty blob.
            sqlite3_bind_zeroblob(handle, index, 0)
        case .blob(let data):
            data.withUnsafeBytes { bytes in
                sqlite3_bind_blob64(handle, index, bytes.baseAddress, UInt64(bytes.count), steward_sqlite_transient())
            }
        }
        try database.check(code, "binding parameter \(index) of \(sql)")
    }

    // MARK: Stepping

    /// Advances to the next row.
    /// - Returns: true when a row is available, false when the statement is done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        try database.check(code, sql)
        return code == SQLITE_ROW
    }

    /// Rewinds the statement and clears its bindings, ready for reuse.
    func reset() {
        // sqlite3_reset repeats the error of the last step, which `step` has already reported.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns (0-based)

    /// Whether column `index` of the current row is NULL.
    func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    func int64(at index: Int32) throws -> Int64 {
        try requireValue(at: index)
        return sqlite3_column_int64(handle, index)
    }

    func double(at index: Int32) throws -> Double {
        try requireValue(at: index)
        return sqlite3_column_double(handle, index)
    }

    func string(at index: Int32) throws -> String {
        try requireValue(at: index)
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func data(at index: Int32) throws -> Data {
        try requireValue(at: index)
        // Ask for the pointer before the size, as SQLite's documentation prescribes.
        guard let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, index)))
    }

    func sqlValue(at index: Int32) throws -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(try int64(at: index))
        case SQLITE_FLOAT: .real(try double(at: index))
        case SQLITE_BLOB: .blob(try data(at: index))
        default: .text(try string(at: index))
        }
    }

    func describe(column index: Int32) -> String {
        "\(columnName(index)) of \(database.path); \(sql)"
    }

    private func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { "column \(String(cString: $0))" } ?? "column \(index)"
    }
}
