import Foundation
import StewardTestSupport
import Testing

/// Steward's state on PostgreSQL through the CLI (issue 18): the quickstart reconciled with `--store postgres://…`
/// from an empty database, and a SQLite state moved with `steward store migrate` and reconciled on from there. The
/// server is the one `scripts/test.sh` starts (STEWARD_TEST_POSTGRES_URL); each test makes databases of its own.
@Suite(.serialized)
struct PostgresStoreIntegrationTests {
    /// The test server's URL; the test fails, saying how to start one, when it is not set (never a silent skip).
    static func serverURL() throws -> URLComponents {
        guard let text = ProcessInfo.processInfo.environment["STEWARD_TEST_POSTGRES_URL"], let url = URLComponents(string: text)
        else {
            Issue.record("""
                STEWARD_TEST_POSTGRES_URL is not set: run the tests with ./scripts/test.sh, or start a server with \
                eval "$(./scripts/postgres.sh start /tmp/steward-pg)" (needs apt-get install postgresql)
                """)
            throw ShellError(command: ["postgres"], status: -1, output: "no PostgreSQL test server")
        }
        return url
    }

    /// A new empty database on the test server; its URL.
    static func createDatabase() async throws -> String {
        var url = try serverURL()
        let name = "steward_it_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await run(["psql", url.string!, "-q", "-c", "CREATE DATABASE \(name)"])
        url.path = "/" + name
        return url.string!
    }

    @Test func theQuickstartConvergesOnPostgresAndASQLiteStateMovesThere() async throws {
        try await StewardBinary.requireAnsible()
        let password = try #require(try Self.serverURL().password)
        var outputs: [String] = []
        func expectConverged(_ result: StewardBinary.Result, _ what: String) {
            outputs += [result.stdout, result.stderr]
            #expect(result.status == 0, "\(what): \(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("result: converged"), "\(what): \(result.stdout)")
        }

        // From an empty database: the state directory keeps its caches and apps, the database holds the state.
        let fresh = try await QuickstartFixture()
        let store = try await Self.createDatabase()
        expectConverged(try fresh.reconcile(["--store", store]), "first pass on PostgreSQL")
        #expect(!FileManager.default.fileExists(atPath: fresh.state.path + "/steward.db"), "no SQLite file beside --store")
        #expect(await httpGet("http://127.0.0.1:\(fresh.port)/") != nil, "the app answers")
        let again = try fresh.reconcile(["--store", store])
        expectConverged(again, "second pass")
        #expect(again.stdout.contains("0 ansible-playbook runs"), "nothing left to do: \(again.stdout)")
        // STEWARD_STORE_URL says the same as --store, for every command.
        let listed = try StewardBinary.run(["get", "projects"] + fresh.stateArguments, environment: ["STEWARD_STORE_URL": store])
        outputs += [listed.stdout, listed.stderr]
        #expect(listed.status == 0 && listed.stdout.contains("hello") && listed.stdout.contains("active"), "\(listed.stdout)")
        // Without the URL the state directory's SQLite file is the store, and it has none.
        let local = try StewardBinary.run(["get", "projects"] + fresh.stateArguments)
        #expect(local.status != 0 && local.stderr.contains("no Steward state in \(fresh.state.path)"), "\(local.stderr)")
        fresh.stopApps()

        // A SQLite state moved with `steward store migrate`, then reconciled on PostgreSQL: it is converged already.
        let moved = try await QuickstartFixture()
        expectConverged(try moved.reconcile(), "first pass on SQLite")
        let target = try await Self.createDatabase()
        let migrate = try StewardBinary.run(["store", "migrate", "--from", "sqlite:" + moved.state.path, "--to", target])
        outputs += [migrate.stdout, migrate.stderr]
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("every table holds as many rows as the source"), "\(migrate.stdout)")
        let twice = try StewardBinary.run(["store", "migrate", "--from", "sqlite:" + moved.state.path, "--to", target])
        #expect(twice.status == 0 && twice.stdout.contains("copied 0 of"), "a second copy copies nothing: \(twice.stdout)")
        let onward = try moved.reconcile(["--store", target])
        expectConverged(onward, "first pass after the move")
        #expect(onward.stdout.contains("0 ansible-playbook runs"), "the deploy is not repeated: \(onward.stdout)")
        // Into a database holding another state: refused, nothing committed.
        let refused = try StewardBinary.run(["store", "migrate", "--from", "sqlite:" + moved.state.path, "--to", store])
        outputs += [refused.stdout, refused.stderr]
        #expect(refused.status != 0 && refused.stderr.contains("the copy was not committed"), "\(refused.stderr)")

        for output in outputs {
            #expect(!output.contains(password), "the database password is never printed")
            #expect(!output.contains("NOTICE:"), "the server's notices are not printed: \(output.prefix(500))")
        }
    }
}
