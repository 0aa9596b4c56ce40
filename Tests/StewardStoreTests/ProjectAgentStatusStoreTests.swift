import Foundation
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardStore

/// The project record's maintenance fields: implemented change requests, engineering_status and zavhoz_status.
struct ProjectAgentStatusStoreTests {
    @Test(arguments: SQLDialect.allCases) func statusesAreWrittenOnlyBySetAgentStatusAndSurviveWholeRecordSaves(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        var project = Samples.fullProject()
        project.implementedChanges = ["c1"]
        try await fixture.store.save(project: project, events: [])
        var read = try #require(try await fixture.store.project(named: "shop"))
        #expect(read.implementedChanges == ["c1"])
        #expect(read.engineeringStatus == .idle && read.zavhozStatus == .idle)

        try await fixture.store.setAgentStatus(project: "shop", engineering: .working, zavhoz: .done)
        // A writer holding an older copy of the record saves it: the statuses stay.
        project.phase = .active
        try await fixture.store.save(project: project, events: [])
        read = try #require(try await fixture.store.project(named: "shop"))
        #expect(read.phase == .active && read.engineeringStatus == .working && read.zavhozStatus == .done)
        try await fixture.store.setAgentStatus(project: "shop", engineering: .blocked, zavhoz: nil)
        let listed = try #require(try await fixture.store.projects(withDetails: false).first)
        #expect(listed.engineeringStatus == .blocked && listed.zavhozStatus == .done && listed.implementedChanges == ["c1"])
    }

    @Test func theMigrationMarksTheChangesOfProjectsTheAgentsAlreadyBuiltAsImplemented() async throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        let before = Array(StoreSchema.migrations.prefix(8))
        _ = try SQLStateStore(stateDirectory: directory.url, readOnly: false, now: { Date() }, migrations: before)
        let database = try SQLiteDatabase(path: directory.url.appendingPathComponent(SQLStateStore.fileName).path, mode: .readWriteCreate)
        var spec = Samples.projectSpec()
        let built = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        spec.brief = nil
        let handWritten = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        for (name, phase, json) in [("built", "active", built), ("building", "implementing", built), ("plain", "active", handWritten)] {
            _ = try database.run(
                "INSERT INTO projects (name, phase, spec, updated_at) VALUES (?, ?, ?, 0)", [.text(name), .text(phase), .text(json)])
        }
        let store = try SQLStateStore(stateDirectory: directory.url)
        #expect(try await store.project(named: "built")?.implementedChanges == ["c1", "c2"])
        #expect(try await store.project(named: "building")?.implementedChanges == [])
        #expect(try await store.project(named: "plain")?.implementedChanges == [])
        #expect(try await store.project(named: "built")?.engineeringStatus == .idle)
    }
}
