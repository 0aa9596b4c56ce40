import Foundation
import StewardTestSupport
import Testing
@testable import StewardStore

/// The PostgreSQL connection under the store (issue 18, first part), against a real server: `scripts/test.sh` starts
/// one (`scripts/postgres.sh`: its own data folder and port, TLS, a password) and sets STEWARD_TEST_POSTGRES_URL.
@Suite(.serialized)
struct PostgresConnectionTests {
    /// The test server's URL; the test fails, saying how to start one, when it is not set (never a silent skip).
    static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["STEWARD_TEST_POSTGRES_URL"], !url.isEmpty else {
            Issue.record("""
                STEWARD_TEST_POSTGRES_URL is not set: run the tests with ./scripts/test.sh, or start a server with \
                eval "$(./scripts/postgres.sh start /tmp/steward-pg)" (needs apt-get install postgresql)
                """)
            throw StoreError(.invalidArgument, "no PostgreSQL test server")
        }
        return url
    }

    /// A connection and a table of its own, dropped at the end.
    private func withTable(_ columns: String, _ body: (PostgresConnection, String) throws -> Void) throws {
        let connection = try PostgresConnection(url: try Self.serverURL())
        let table = "t_\(UUID().uuidString.prefix(8).lowercased())"
        try connection.execute("CREATE TABLE \(table) (\(columns))")
        defer { try? connection.execute("DROP TABLE \(table)") }
        try body(connection, table)
    }

    @Test func everyValueKindRoundTripsExactly() throws {
        try withTable("i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA, n TEXT") { connection, table in
            let date = Date()
            let blob = Data([0, 1, 2, 0xFF, 0, 0x5C, 0x78])
            let values: [(Int64, Double)] = [(.min, date.timeIntervalSinceReferenceDate), (.max, 0.1 + 0.2), (0, -5e-324)]
            for (integer, real) in values {
                try connection.run("INSERT INTO \(table) (i, r, t, b, n) VALUES (?, ?, ?, ?, ?)",
                    [.integer(integer), .real(real), .text("'quoted' ? — ünïcode \\x"), .blob(blob), .null])
            }
            let rows = try connection.query("SELECT i, r, t, b, n FROM \(table) ORDER BY i") { row in
                (try row.int64(at: 0), try row.double(at: 1), try row.string(at: 2), try row.data(at: 3), row.isNull(at: 4))
            }
            #expect(rows.map(\.0) == [.min, 0, .max])
            #expect(rows.map(\.1) == [values[0].1, values[2].1, values[1].1], "doubles come back bit for bit")
            #expect(rows.allSatisfy { $0.2 == "'quoted' ? — ünïcode \\x" && $0.3 == blob && $0.4 })
            #expect(try connection.query("SELECT r FROM \(table) WHERE i = ?", [.integer(.min)]) { try $0.date(at: 0) }
                == [date], "a date is the very Double SQLite stores")
            let failure = #expect(throws: StoreError.self) {
                _ = try connection.query("SELECT n FROM \(table)") { try $0.string(at: 0) }
            }
            #expect(failure?.kind == .corruptData && failure?.message.contains("column n") == true)
        }
    }

    @Test func placeholdersAreNumberedOutsideLiteralsAndComments() {
        #expect(PostgresConnection.numberingPlaceholders("SELECT ? , '?', \"a?\" FROM t WHERE x = ? -- why?\nAND y = ?")
            == "SELECT $1 , '?', \"a?\" FROM t WHERE x = $2 -- why?\nAND y = $3")
        #expect(PostgresConnection.numberingPlaceholders("VALUES ('it''s ?', ?)") == "VALUES ('it''s ?', $1)")
        #expect(PostgresConnection.numberingPlaceholders("SELECT ?1, ?2 WHERE a = ?1") == "SELECT $1, $2 WHERE a = $1")
    }

    @Test func aTransactionCommitsOnReturnAndRollsBackOnThrow() throws {
        try withTable("k TEXT PRIMARY KEY") { connection, table in
            try connection.transaction { try connection.run("INSERT INTO \(table) VALUES (?)", [.text("kept")]) }
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try connection.transaction {
                    try connection.run("INSERT INTO \(table) VALUES (?)", [.text("dropped")])
                    throw Boom()
                }
            }
            let unique = #expect(throws: StoreError.self) {
                try connection.transaction { try connection.run("INSERT INTO \(table) VALUES (?)", [.text("kept")]) }
            }
            #expect(unique?.sqlState == "23505" && unique?.kind == .postgres, "\(String(describing: unique))")
            #expect(try connection.query("SELECT k FROM \(table)") { try $0.string(at: 0) } == ["kept"])
            #expect(try connection.run("UPDATE \(table) SET k = k") == 1, "rows changed")
        }
    }

    /// Two connections' write transactions follow each other, as SQLite's BEGIN IMMEDIATE makes them: while one is
    /// inside its transaction (it has read and not yet written), the other's transaction does not begin.
    @Test func writeTransactionsOfTwoConnectionsNeverInterleave() throws {
        try withTable("n BIGINT") { first, table in
            try first.run("INSERT INTO \(table) VALUES (0)")
            let url = try Self.serverURL()
            let firstInside = DispatchSemaphore(value: 0)
            let secondEntered = DispatchSemaphore(value: 0)
            let secondDone = DispatchSemaphore(value: 0)
            final class Outcome: @unchecked Sendable {
                var read: Int64 = -1
                var error: (any Error)?
            }
            let outcome = Outcome()
            DispatchQueue.global().async {
                do {
                    // Its own connection, made on its own thread (a connection is used by one thread).
                    let second = try PostgresConnection(url: url)
                    firstInside.wait()
                    try second.transaction {
                        secondEntered.signal()
                        let n = try second.query("SELECT n FROM \(table)") { try $0.int64(at: 0) }[0]
                        outcome.read = n
                        try second.run("UPDATE \(table) SET n = ?", [.integer(n + 1)])
                    }
                } catch {
                    outcome.error = error
                }
                secondDone.signal()
            }
            var interleaved = false
            try first.transaction {
                let n = try first.query("SELECT n FROM \(table)") { try $0.int64(at: 0) }[0]
                firstInside.signal()
                // The other transaction must not begin while this one holds the write lock: waiting a second for it
                // to enter only costs time when it is right.
                interleaved = secondEntered.wait(timeout: .now() + 1) == .success
                try first.run("UPDATE \(table) SET n = ?", [.integer(n + 1)])
            }
            secondDone.wait()
            #expect(!interleaved, "the second write transaction began inside the first")
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
            #expect(outcome.read == 1, "it read what the first committed")
            #expect(try first.query("SELECT n FROM \(table)") { try $0.int64(at: 0) } == [2], "no lost update")
        }
    }

    @Test func aLostConnectionFailsOneStatementAndTheNextReconnects() throws {
        let url = try Self.serverURL()
        let connection = try PostgresConnection(url: url)
        let killer = try PostgresConnection(url: url)
        let pid = connection.backendPID
        _ = try killer.query("SELECT pg_terminate_backend(?::integer)", [.integer(Int64(pid))]) { _ in () }
        let lost = #expect(throws: StoreError.self) { _ = try connection.query("SELECT 1") { try $0.int(at: 0) } }
        #expect(lost?.kind == .postgres)
        #expect(try connection.query("SELECT 1") { try $0.int(at: 0) } == [1])
        #expect(connection.backendPID != pid, "a new server process")
    }

    @Test func aSlowStatementTimesOut() throws {
        let connection = try PostgresConnection(url: try Self.serverURL(), statementTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        let timeout = #expect(throws: StoreError.self) { try connection.execute("SELECT pg_sleep(5)") }
        #expect(timeout?.sqlState == "57014", "query_canceled: \(String(describing: timeout))")
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(try connection.query("SELECT 2") { try $0.int(at: 0) } == [2], "the connection stays usable")
    }

    @Test func tlsWhenTheURLAsksAndThePasswordNeverInAMessage() throws {
        let url = try Self.serverURL()
        let separator = url.contains("?") ? "&" : "?"
        let tls = try PostgresConnection(url: url + separator + "sslmode=require")
        #expect(try tls.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") { try $0.bool(at: 0) } == [true])

        let password = try #require(url.split(separator: "@").first?.split(separator: ":").last.map(String.init))
        #expect(!PostgresConnection.redacted(url).contains(password))
        #expect(PostgresConnection.redacted(url).contains("steward:***@"))
        #expect(PostgresConnection.redacted("postgres://h/db?user=a&password=s3cret&sslmode=require")
            == "postgres://h/db?user=a&password=***&sslmode=require")
        let wrong = url.replacingOccurrences(of: ":\(password)@", with: ":not-\(password)@")
        let refused = #expect(throws: StoreError.self) { _ = try PostgresConnection(url: wrong, reconnectWithin: .zero) }
        #expect(refused?.message.contains("password authentication failed") == true, "\(String(describing: refused))")
        #expect(refused?.message.contains(password) == false, "no password in \(String(describing: refused))")
        let failure = #expect(throws: StoreError.self) { try tls.execute("SELECT * FROM no_such_table") }
        #expect(failure?.message.contains(password) == false && failure?.sqlState == "42P01")
    }
}
