import Foundation
import StewardCore
import StewardModel
import Testing

/// `steward diff`'s field comparison: leaves by path, lists whole, a project's env key by key.
struct SpecDiffTests {
    @Test func changedAddedAndRemovedFieldsAndEnvKeys() {
        let old = ProjectSpec(repo: "acme/web", server: "a", env: "A=1\nB=2\nT=${secret:T}\n")
        var new = old
        new.server = "b"
        new.deploy.strategy = .blueGreen
        new.deploy.command = "./run"
        new.env = "A=1\nB=3\nC=4\n"
        new.dependsOn = ["db"]
        let changes = SpecDiff.changes(from: old, to: new)
        #expect(changes == [
            FieldChange(field: "spec.dependsOn", from: nil, to: #"["db"]"#),
            FieldChange(field: "spec.deploy.command", from: nil, to: "./run"),
            FieldChange(field: "spec.deploy.strategy", from: "recreate", to: "blueGreen"),
            FieldChange(field: "spec.env.B", from: "2", to: "3"),
            FieldChange(field: "spec.env.C", from: nil, to: "4"),
            FieldChange(field: "spec.env.T", from: "${secret:T}", to: nil),
            FieldChange(field: "spec.server", from: "a", to: "b"),
        ])
        #expect(SpecDiff.changes(from: old, to: old).isEmpty)
        #expect(SpecDiff.changes(from: nil as ProjectSpec?, to: old).contains(FieldChange(field: "spec.repo", from: nil, to: "acme/web")))
    }
}
