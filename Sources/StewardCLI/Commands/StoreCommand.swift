import ArgumentParser
import Foundation
import StewardCore
import StewardStore

/// `steward store migrate`: moves a state directory's SQLite store to PostgreSQL (docs/ARCHITECTURE.md §7).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage the state's database.",
        subcommands: [Migrate.self])

    /// `steward store migrate --from sqlite:DIR --to postgres://…`.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy a state directory's SQLite store into a PostgreSQL database.",
            discussion: """
                Copies every table in one PostgreSQL transaction and checks at the end that each holds as many rows \
                as the source; otherwise nothing is committed. Running it again copies nothing new (rows already \
                there are kept). Stop every steward process on the state directory first: a live lease refuses the \
                copy. Then start the controllers with --store URL (or STEWARD_STORE_URL).
                """)

        @Option(help: ArgumentHelp("The SQLite store to copy: sqlite:DIR, a state directory.", valueName: "sqlite:DIR"))
        var from: String

        @Option(help: ArgumentHelp("The PostgreSQL database to copy into.", valueName: "postgres://USER@HOST:PORT/DB"))
        var to: String

        func run() async throws {
            let source: StoreLocation
            let destination: StoreLocation
            do {
                source = try StoreLocation(parsing: from)
                destination = try StoreLocation(parsing: to)
            } catch {
                throw ValidationError("\(error)")
            }
            let started = ContinuousClock.now
            let tables = try await BlockingWork.run("store-migrate") { try StoreCopy.copy(from: source, to: destination) }
            var table = TextTable(header: ["TABLE", "SOURCE", "COPIED", "DESTINATION"])
            for entry in tables {
                table.rows.append([entry.name, "\(entry.source)", "\(entry.copied)", "\(entry.destination)"])
            }
            print(table.render())
            let copied = tables.reduce(0) { $0 + $1.copied }
            let rows = tables.reduce(0) { $0 + $1.source }
            let elapsed = ContinuousClock.now - started
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            print("copied \(copied) of \(rows) rows from \(source) to \(destination) in \(milliseconds) ms; "
                + "every table holds as many rows as the source")
        }
    }
}
