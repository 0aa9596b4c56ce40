import Foundation
import StewardModel

/// A validated view of one config revision: the desired state plus the tree it came from.
public struct LoadedConfig: Sendable {
    public let revision: ConfigRevision
    public let desired: DesiredState
    /// Every file of the revision (manifests, playbooks, anything else).
    public let entries: [ConfigEntry]
    /// How many files were parsed, and how many came from the cache.
    public var parsedFiles: Int
    public var cachedFiles: Int
    /// Where the time went: listing the tree, reading the parse cache, parsing new blobs, cross-file validation.
    public var timings: LoadTimings
    /// The index of each project in `desired.projects`: a per-key reconcile finds its manifest without a scan.
    private let projectIndex: [String: Int]
    /// The config repo's `playbooks/` files and their tree hash, once per revision (`PlaybookLibrary.source`).
    public let configPlaybooks: Set<String>
    public let configPlaybooksTreeHash: String

    init(
        revision: ConfigRevision, desired: DesiredState, entries: [ConfigEntry], parsedFiles: Int, cachedFiles: Int,
        timings: LoadTimings
    ) {
        self.revision = revision
        self.desired = desired
        self.entries = entries
        self.parsedFiles = parsedFiles
        self.cachedFiles = cachedFiles
        self.timings = timings
        projectIndex = Dictionary(desired.projects.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        let playbooks = entries.filter { $0.path.hasPrefix("playbooks/") }
        configPlaybooks = Set(playbooks.map(\.path))
        configPlaybooksTreeHash = PlaybookLibrary.treeHash(of: playbooks)
    }

    /// The valid manifest of project `name`, if any.
    public func project(named name: String) -> ProjectManifest? {
        projectIndex[name].map { desired.projects[$0] }
    }
}

/// Durations of the loader's steps, for `--verbose` logs and the benchmark.
public struct LoadTimings: Sendable {
    public var list: Duration = .zero
    public var cacheRead: Duration = .zero
    public var parse: Duration = .zero
    public var cacheWrite: Duration = .zero
    public var validate: Duration = .zero
}

/// Reads a revision's manifests through a `ConfigSource`, parsing only files whose blob id the store has not
/// seen (parsed results are cached by blob id), then validates across files.
public struct ConfigLoader: Sendable {
    public var source: any ConfigSource
    /// Optional persistent parse cache; nil parses everything (as `steward validate PATH` does).
    public var store: (any StateStore)?
    public var validator: ManifestValidator
    /// How a submodule under `manifests/` or `playbooks/` is reported: a warning for a reconcile (the repo's own
    /// manifests still apply), an error for `steward validate`.
    public var submoduleSeverity: Diagnostic.Severity

    public init(
        source: any ConfigSource, store: (any StateStore)?, builtinPlaybooks: Set<String>,
        submoduleSeverity: Diagnostic.Severity = .warning
    ) {
        self.source = source
        self.store = store
        self.validator = ManifestValidator(builtinPlaybooks: builtinPlaybooks)
        self.submoduleSeverity = submoduleSeverity
    }

    /// The cache key of one file: parser version, path (diagnostics name it) and blob id.
    static func cacheKey(_ entry: ConfigEntry) -> String {
        "v\(ManifestParser.version):\(entry.blobID):\(entry.path)"
    }

    /// Loads and validates `revision`.
    public func load(_ revision: ConfigRevision) async throws -> LoadedConfig {
        let clock = ContinuousClock()
        var timings = LoadTimings()
        var mark = clock.now
        func lap() -> Duration {
            let now = clock.now
            defer { mark = now }
            return now - mark
        }
        let entries = try await source.entries(at: revision)
        timings.list = lap()
        var files: [String: ParsedFile] = [:]
        var unreadable: [Diagnostic] = []
        var toRead: [ConfigEntry] = []
        for entry in entries where entry.kind == .submodule {
            if let problem = ManifestValidator.submoduleDiagnostic(entry, severity: submoduleSeverity) { unreadable.append(problem) }
        }
        for entry in entries where entry.kind != .submodule
            && (ManifestParser.isSettingsFile(entry.path) || ManifestParser.isManifestFile(entry.path))
        {
            if let problem = ManifestValidator.unreadableFileDiagnostic(entry) {
                unreadable.append(problem)
            } else {
                toRead.append(entry)
            }
        }

        var cached: [String: Data] = [:]
        if let store, !toRead.isEmpty {
            cached = try await store.cachedManifests(blobIDs: toRead.map(Self.cacheKey))
        }
        var fresh: [String: Data] = [:]
        var hits = 0
        let parser = ManifestParser()
        var misses: [ConfigEntry] = []
        for entry in toRead {
            if let payload = cached[Self.cacheKey(entry)], let parsed = try? ParsedFile(binary: payload) {
                files[entry.path] = parsed
                hits += 1
            } else {
                misses.append(entry)
            }
        }
        timings.cacheRead = lap()
        for entry in misses {
            let key = Self.cacheKey(entry)
            let data = try await source.contents(of: entry)
            let parsed = parser.parse(path: entry.path, data: data)
            files[entry.path] = parsed
            if store != nil { fresh[key] = parsed.binaryEncoded() }
        }
        timings.parse = lap()
        if let store, !fresh.isEmpty {
            try await store.cacheManifests(fresh)
        }
        timings.cacheWrite = lap()
        let desired = validator.validate(files: files, entries: entries, extraDiagnostics: unreadable)
        timings.validate = lap()
        return LoadedConfig(
            revision: revision, desired: desired, entries: entries, parsedFiles: toRead.count - hits, cachedFiles: hits,
            timings: timings)
    }
}
