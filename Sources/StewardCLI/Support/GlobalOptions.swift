import ArgumentParser
import Foundation
import Logging
import StewardStore

/// Options every subcommand takes.
public struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Config repo: a local path, a file:// URL or an https URL (token from $STEWARD_GIT_TOKEN). "
            + "Default: $STEWARD_CONFIG_REPO.", valueName: "url"))
    public var configRepo: String?

    @Option(name: .long, help: ArgumentHelp("Branch, tag or commit of the config repo to read.", valueName: "ref"))
    public var ref: String = "main"

    @Option(name: .long, help: ArgumentHelp("Where Steward keeps its database and caches.", valueName: "dir"))
    public var stateDir: String = ".steward"

    @Option(name: .long, help: ArgumentHelp(
        "Database of the state: sqlite:DIR or postgres://USER@HOST:PORT/DB (several replicas share one). "
            + "Default: $STEWARD_STORE_URL, else the SQLite file in --state-dir.", valueName: "url"))
    public var store: String?

    @Option(name: .long, help: ArgumentHelp("Log line format: text or json.", valueName: "format"))
    public var logFormat: String = "text"

    @Flag(name: .shortAndLong, help: "Log debug lines too (timings of fetch, parse and plan).")
    public var verbose = false

    public init() {}

    public mutating func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be text or json, not \(logFormat)")
        }
        do {
            _ = try storeLocation()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    var stateDirectory: URL {
        URL(fileURLWithPath: stateDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL
    }

    /// Where the state's database is: `--store`, else `STEWARD_STORE_URL`, else the SQLite file in the state directory.
    /// Never the config repo's `steward.yaml`: the store cannot come from the repo it reconciles.
    /// - Throws: `CommandFailure` for a URL that is neither `sqlite:` nor `postgres://`.
    func storeLocation() throws -> StoreLocation {
        if let store, !store.isEmpty {
            do { return try StoreLocation(parsing: store) } catch { throw CommandFailure("--store: \(error)") }
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment["STEWARD_STORE_URL"], !fromEnvironment.isEmpty {
            do { return try StoreLocation(parsing: fromEnvironment) } catch { throw CommandFailure("STEWARD_STORE_URL: \(error)") }
        }
        return .sqlite(directory: stateDirectory)
    }

    /// The config repo to read, from the flag or the environment.
    func resolvedConfigRepo() throws -> String {
        if let configRepo, !configRepo.isEmpty { return configRepo }
        if let fromEnvironment = ProcessInfo.processInfo.environment["STEWARD_CONFIG_REPO"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        throw ValidationError("no config repo: pass --config-repo PATH|URL or set STEWARD_CONFIG_REPO")
    }

    func makeLogger() -> Logger {
        let format = LogFormat(rawValue: logFormat) ?? .text
        let level: Logger.Level = verbose ? .debug : .info
        let progress = format == .text ? ProgressLine.forStandardError() : nil
        return Logger(label: "steward") { label in
            StewardLogHandler(label: label, format: format, level: level, progress: progress, journal: .shared)
        }
    }
}
