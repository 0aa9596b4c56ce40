/// How this `steward` was built: version, commit, build date and compiler. `scripts/build-info.sh` writes the
/// values (`GeneratedBuildInfo`) before every build, through the build-tool plugin `StewardBuildInfoPlugin`.
public struct BuildInfo: Sendable, Equatable, Codable {
    /// The nearest `vX.Y.Z` tag as `git describe` gives it ("0.2.0", "0.2.0-3-gabc1234"), else the VERSION
    /// file with "-dev"; "-dirty" when the checkout had uncommitted changes.
    public var version: String
    /// The full commit id, or "unknown" (built outside a git checkout).
    public var commit: String
    /// The commit's date (ISO 8601), or empty.
    public var commitDate: String
    /// When this version was built (ISO 8601, UTC), or SOURCE_DATE_EPOCH for a reproducible build.
    public var buildDate: String
    /// The compiler's own version line ("Swift version 6.3.1 (swift-6.3.1-RELEASE)").
    public var swift: String
    /// The Yams release built in ("6.2.2", from Package.resolved): it carries the libyaml Steward parses YAML
    /// with, compiled in, whose copy has no version call of its own.
    public var yams: String

    /// This binary's build.
    public static let current = BuildInfo(
        version: GeneratedBuildInfo.version,
        commit: GeneratedBuildInfo.commit,
        commitDate: GeneratedBuildInfo.commitDate,
        buildDate: GeneratedBuildInfo.buildDate,
        swift: GeneratedBuildInfo.swift,
        yams: GeneratedBuildInfo.yams
    )

    /// The commit's first 12 characters ("unknown" stays as it is).
    public var shortCommit: String { commit == "unknown" ? commit : String(commit.prefix(12)) }
}
