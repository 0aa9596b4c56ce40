import Foundation

/// A value bound to a statement parameter, in SQLite's own storage classes.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ value: String?) { self = value.map(SQLiteValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLiteValue.integer) ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }

    /// A date as stored in every date column: see `SQLiteDate`.
    init(_ value: Date?) { self = value.map { .real(SQLiteDate.encode($0)) } ?? .null }

    /// A raw-value enum by its raw string (`phase`, `status`, …).
    init<Value: RawRepresentable>(_ value: Value?) where Value.RawValue == String {
        self = value.map { .text($0.rawValue) } ?? .null
    }
}

/// How dates are stored: REAL seconds since Foundation's reference date (2001-01-01 00:00:00 UTC).
///
/// This is the very `Double` a `Date` holds, so every date round-trips bit-exactly and a record read back
/// compares equal to the one saved. Unix seconds would not: adding 978307200 s moves current dates into the
/// next binade and drops the last bit of about half of all `Date()` values (measured: 49.7 % come back
/// 1.19e-7 s off). In SQL, `datetime(updated_at + 978307200, 'unixepoch')` shows one as UTC text.
enum SQLiteDate {
    static func encode(_ date: Date) -> Double { date.timeIntervalSinceReferenceDate }
    static func decode(_ seconds: Double) -> Date { Date(timeIntervalSinceReferenceDate: seconds) }
}
