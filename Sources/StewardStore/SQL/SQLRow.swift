import Foundation

/// One row of a result, as the store's row mappers read it: SQLite's statement (`SQLiteStatement`) and a
/// PostgreSQL result row (`PostgresRow`) both provide the five primitive reads; everything else is derived here, so
/// a mapper reads either engine's rows the same way (docs/ARCHITECTURE.md §7).
protocol SQLRow {
    /// Whether column `index` (0-based) of the row is NULL.
    func isNull(at index: Int32) -> Bool
    func int64(at index: Int32) throws -> Int64
    func double(at index: Int32) throws -> Double
    func string(at index: Int32) throws -> String
    func data(at index: Int32) throws -> Data
    /// "column NAME" of `index`, and where the row came from, for error messages.
    func describe(column index: Int32) -> String
    /// Column `index` as whatever it holds (integer, real, text, blob or NULL): for copying rows between engines.
    func sqlValue(at index: Int32) throws -> SQLiteValue
}

extension SQLRow {
    func int(at index: Int32) throws -> Int { Int(try int64(at: index)) }
    func bool(at index: Int32) throws -> Bool { try int64(at: index) != 0 }
    func date(at index: Int32) throws -> Date { SQLiteDate.decode(try double(at: index)) }

    func optionalInt64(at index: Int32) throws -> Int64? { isNull(at: index) ? nil : try int64(at: index) }
    func optionalInt(at index: Int32) throws -> Int? { isNull(at: index) ? nil : try int(at: index) }
    func optionalString(at index: Int32) throws -> String? { isNull(at: index) ? nil : try string(at: index) }
    func optionalDate(at index: Int32) throws -> Date? { isNull(at: index) ? nil : try date(at: index) }

    /// A raw-value enum stored as text.
    /// - Throws: `StoreError.Kind.corruptData` naming the column when the value is unknown to this version.
    func value<Value: RawRepresentable>(_ type: Value.Type, at index: Int32) throws -> Value
    where Value.RawValue == String {
        let raw = try string(at: index)
        guard let value = Value(rawValue: raw) else {
            throw StoreError(.corruptData, "unknown \(Value.self) \(raw.debugDescription) in \(describe(column: index))")
        }
        return value
    }

    func optionalValue<Value: RawRepresentable>(_ type: Value.Type, at index: Int32) throws -> Value?
    where Value.RawValue == String {
        isNull(at: index) ? nil : try value(type, at: index)
    }

    /// Throws when column `index` is NULL (a primitive read of a column that must hold a value).
    func requireValue(at index: Int32) throws {
        guard isNull(at: index) else { return }
        throw StoreError(.corruptData, "unexpected NULL in \(describe(column: index))")
    }
}
