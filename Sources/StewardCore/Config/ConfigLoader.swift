import Foundation
import StewardModel

/// A validated view of one config revision: the desired state plus the tree it came from.
public struct LoadedConfig: Sendable {
    public var revision: ConfigRevision
    public var desired: DesiredState
    /// Every file of the revision (manifests, playbooks, anything else).
    public var entries: [ConfigEntry]
    /// How many files were parsed, and how many came from the cache.
    public var parsedFiles: Int
    public var cachedFiles: Int
}

/// Reads a revision's manifests through a `ConfigSource`, parsing only files whose blob id the store has not
/// seen (parsed results are cached by blob id), then validates across files.
public struct ConfigLoader: Sendable {
    public var source: any ConfigSource
    /// Optional persistent parse cache; nil parses everything (as `steward validate PATH` does).
    public var store: (any StateStore)?
    public var validator: ManifestValidator

    public init(source: any ConfigSource, store: (any StateStore)?, builtinPlaybooks: Set<String>) {
        self.source = source
        self.store = store
        self.validator = ManifestValidator(builtinPlaybooks: builtinPlaybooks)
    }

    /// The cache key of one file: parser version, path (diagnostics name it) and blob id.
    static func cacheKey(_ entry: ConfigEntry) -> String {
        "v\(ManifestParser.version):\(entry.blobID):\(entry.path)"
    }

    /// Loads and validates `revision`.
    public func load(_ revision: ConfigRevision) async throws -> LoadedConfig {
        let entries = try await source.entries(at: revision)
        var files: [String: ParsedFile] = [:]
        var unreadable: [Diagnostic] = []
        var toRead: [ConfigEntry] = []
        for entry in entries where ManifestParser.isSettingsFile(entry.path) || ManifestParser.isManifestFile(entry.path) {
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
        for entry in toRead {
            let key = Self.cacheKey(entry)
            if let payload = cached[key], let parsed = try? ParsedFile(binary: payload) {
                files[entry.path] = parsed
                hits += 1
                continue
            }
            let data = try await source.contents(of: entry)
            let parsed = parser.parse(path: entry.path, data: data)
            files[entry.path] = parsed
            if store != nil { fresh[key] = parsed.binaryEncoded() }
        }
        if let store, !fresh.isEmpty {
            try await store.cacheManifests(fresh)
        }
        let desired = validator.validate(files: files, entries: entries, extraDiagnostics: unreadable)
        return LoadedConfig(
            revision: revision, desired: desired, entries: entries, parsedFiles: toRead.count - hits, cachedFiles: hits)
    }
}
