import Testing
@testable import StewardGit

struct GitErrorTests {
    @Test func descriptionSaysWhatAndWhy() {
        let error = GitError.unknownReference("nope", repository: "file:///srv/config.git")
        #expect(error.code == .unknownReference)
        #expect(error.description.contains("'nope'"))
        #expect(error.description.contains("file:///srv/config.git"))
        #expect(error.libraryCode == nil)
    }

    @Test func redactingRemovesTheSecretEverywhere() {
        let error = GitError(code: .library, operation: "fetch with s3cr3t", message: "bad s3cr3t here", libraryCode: -1)
        let redacted = error.redacting("s3cr3t")
        #expect(!redacted.description.contains("s3cr3t"))
        #expect(redacted.description.contains("<redacted>"))
        #expect(redacted.code == .library)
        #expect(redacted.libraryCode == -1)
        #expect(error.redacting(nil).description == error.description)
        #expect(error.redacting("").description == error.description)
    }
}
