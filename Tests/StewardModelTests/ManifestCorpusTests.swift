import Foundation
import StewardModel
import Testing

/// The broken-manifest corpus: every case must produce exactly its listed diagnostics.
struct ManifestCorpusTests {
    @Test(arguments: ParserCorpus.all)
    func parserReportsExactly(_ corpusCase: ParserCase) {
        let parsed = ManifestParser().parse(path: corpusCase.path, data: corpusCase.data)
        #expect(parsed.diagnostics.map(\.description) == corpusCase.expected)
        let kept = parsed.projects.map(\.name) + parsed.servers.map(\.name) + (parsed.settings == nil ? [] : ["Settings"])
        #expect(Set(kept) == Set(corpusCase.kept))
    }

    @Test func corpusIsLargeAndNamesAreUnique() {
        let names = ParserCorpus.all.map(\.name) + ValidatorCorpus.all.map(\.name)
        #expect(names.count >= 30)
        #expect(Set(names).count == names.count)
        // Every case is broken: it reports at least one error.
        #expect(ParserCorpus.all.allSatisfy { !$0.expected.isEmpty })
    }

    @Test(arguments: ValidatorCorpus.all)
    func validatorReportsExactly(_ corpusCase: ValidatorCase) throws {
        let desired = try corpusCase.validate()
        #expect(desired.diagnostics.map(\.description) == corpusCase.expected)
        #expect(desired.projects.map(\.name) == corpusCase.projects)
        #expect(desired.servers.map(\.name) == corpusCase.servers)
        #expect(desired.brokenFiles == corpusCase.brokenFiles)
    }

    /// A file read from the parse cache must validate exactly like a freshly parsed one.
    @Test(arguments: ValidatorCorpus.all)
    func validatorResultDoesNotDependOnTheParseCache(_ corpusCase: ValidatorCase) throws {
        #expect(try corpusCase.validate(throughCache: true) == corpusCase.validate())
    }

    @Test(arguments: ParserCorpus.all)
    func parseResultSurvivesTheParseCache(_ corpusCase: ParserCase) throws {
        let parsed = ManifestParser().parse(path: corpusCase.path, data: corpusCase.data)
        #expect(try ParsedFile(binary: parsed.binaryEncoded()) == parsed)
    }
}
