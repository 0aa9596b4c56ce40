import Foundation
import StewardCore
import StewardModel

/// Every project, each kept as a value derived from its record under the record's row version: a request re-reads
/// and re-derives only the rows written since the last one (10,000 unchanged projects: a version scan).
/// `GET /api/v1/projects` keeps each project's JSON; the dashboard keeps a `ProjectRow`.
final class VersionedProjectCache<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: (version: Int64, value: Value)] = [:]
    private let derive: @Sendable (ProjectRecord) throws -> Value

    init(derive: @escaping @Sendable (ProjectRecord) throws -> Value) {
        self.derive = derive
    }

    /// Every project's value, by name.
    func values(from store: any APIStore) async throws -> [Value] {
        let known = lock.withLock { values.mapValues(\.version) }
        let snapshot = try await store.projectSnapshot(known: known)
        var fresh: [String: Value] = [:]
        for record in snapshot.changed { fresh[record.name] = try derive(record) }
        return lock.withLock {
            var list: [Value] = []
            list.reserveCapacity(snapshot.versions.count)
            var kept: [String: (version: Int64, value: Value)] = [:]
            kept.reserveCapacity(snapshot.versions.count)
            for entry in snapshot.versions {
                guard let value = fresh[entry.name] ?? values[entry.name].flatMap({ $0.version == entry.version ? $0.value : nil })
                else { continue }
                list.append(value)
                kept[entry.name] = (entry.version, value)
            }
            values = kept
            return list
        }
    }
}

/// What the dashboard's project table shows of a project: a few fields, not the record (10,000 of them stay small).
struct ProjectRow: Sendable, Hashable {
    var name: String
    var phase: ProjectPhase
    var repo: String?
    var server: String?
    var port: Int?
    var commit: String?
    var lastDeployedAt: Date?
    var ready: Condition?
    var engineering: EngineeringStatus
    var suspended: Bool
    var orphaned: Bool

    init(_ record: ProjectRecord) {
        name = record.name
        phase = record.phase
        repo = record.repo
        server = record.server
        port = record.port
        commit = record.lastDeployCommit
        lastDeployedAt = record.lastDeployedAt
        ready = record.conditions[Condition.ready]
        engineering = record.engineeringStatus
        suspended = record.conditions[Condition.suspended]?.status == .true || record.spec?.suspend == true
        orphaned = record.orphaned
    }
}
