import ArgumentParser
import StewardBuildInfo
import StewardGit
import StewardHTTP
import StewardStore

/// `steward version` (and `steward --version`): how this binary was built and the C libraries it runs with.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Steward's version, commit, build date, Swift version and the libraries it runs with.",
        discussion: """
            libgit2, libcurl and SQLite are the shared libraries this process loaded (their own answer, not the \
            headers Steward was built against); libyaml is compiled into the binary, with the Yams release named. \
            `steward --version` prints the same text.
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: [.customShort("o"), .long], help: "text or json.")
    var output: Output = .text

    func run() throws {
        switch output {
        case .text: print(VersionReport.current.text)
        case .json: printJSON(VersionReport.current)
        }
    }
}

/// What `steward version` prints.
struct VersionReport: Encodable, Equatable {
    var version: String
    var commit: String
    var commitDate: String
    var buildDate: String
    var swift: String
    var libraries: [String: String]

    static var current: VersionReport {
        let build = BuildInfo.current
        return VersionReport(
            version: build.version, commit: build.commit, commitDate: build.commitDate, buildDate: build.buildDate,
            swift: build.swift,
            libraries: [
                "libgit2": GitLibrary.runtimeVersion,
                "libcurl": CurlLibrary.runtimeVersion,
                "libyaml": "compiled in (Yams \(build.yams))",
                "sqlite": SQLiteLibrary.runtimeVersion,
            ])
    }

    /// `steward 0.1.0-dev` and then one `name: value` line per item.
    var text: String {
        var lines = ["steward \(version)"]
        lines.append("  commit:     \(commit)" + (commitDate.isEmpty ? "" : " (\(commitDate))"))
        lines.append("  built:      \(buildDate)")
        lines.append("  swift:      \(swift)")
        lines.append("  libgit2:    \(libraries["libgit2"] ?? "unknown")")
        lines.append("  libcurl:    \(libraries["libcurl"] ?? "unknown")")
        lines.append("  libyaml:    \(libraries["libyaml"] ?? "unknown")")
        lines.append("  sqlite:     \(libraries["sqlite"] ?? "unknown")")
        return lines.joined(separator: "\n")
    }
}
