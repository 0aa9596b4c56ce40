import Foundation
import StewardStore
import StewardTestSupport
import Testing

/// A broken state dir is a clear error that names the file and the way out, never a raw Foundation or SQLite code.
struct SQLStateStoreErrorTests {
    @Test func aStateDirectoryThatIsAFileSaysSo() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("not-a-dir", "x")
        let error = try #require(throws: StoreError.self) { try SQLStateStore(stateDirectory: file) }
        #expect(error.description.contains("\(file.path) is a file, not a directory"), "\(error)")
        #expect(throws: StoreError.self) { try SQLStateStore(stateDirectory: file, readOnly: true) }
    }

    @Test func aCorruptDatabaseNamesTheFileAndHowToRecover() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("steward.db", String(repeating: "this is not sqlite ", count: 300))
        let error = try #require(throws: StoreError.self) { try SQLStateStore(stateDirectory: directory.url) }
        let database = directory.url.appendingPathComponent("steward.db").path
        #expect(error.description.contains("\(database) is not a readable Steward database"), "\(error)")
        #expect(error.description.contains("mv \(database) \(database).corrupt"))
        #expect(error.description.contains("adopts what their deploy markers say runs there"))
    }
}
