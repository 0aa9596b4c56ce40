import Foundation
import StewardModel
import Testing

/// What the validator accepts: the counterpart of the broken cases in `ValidatorCorpus`.
struct ManifestValidatorTests {
    @Test func playbookSymlinkInsidePlaybooksResolves() throws {
        let valid = ValidatorCase("valid symlinks",
            files: [
                "manifests/a.yaml": ValidatorCorpus.project("a", playbook: "deploy.yml"),
                "manifests/b.yaml": ValidatorCorpus.project("b", playbook: "current/site.yml"),
            ],
            entries: [
                symlink("playbooks/deploy.yml", to: "versions/v2/deploy.yml"),
                file("playbooks/versions/v2/deploy.yml"),
                symlink("playbooks/current", to: "./versions/../versions/v2"),
                file("playbooks/versions/v2/site.yml"),
            ],
            expect: [], projects: ["a", "b"], brokenFiles: [])
        let desired = try valid.validate()
        #expect(desired.diagnostics == [])
        #expect(desired.projects.map(\.name) == ["a", "b"])
    }

    @Test func stewardPlaybooksAreTheFallbackAndTheRepoMayAddItsOwn() throws {
        let desired = try ValidatorCase("fallback",
            files: [
                "manifests/a.yaml": ValidatorCorpus.project("a", playbook: "deploy_project.yml"),
                "manifests/b.yaml": ValidatorCorpus.project("b", playbook: "custom/deploy.yml"),
            ],
            entries: [file("playbooks/custom/deploy.yml")],
            expect: [], projects: ["a", "b"], brokenFiles: []
        ).validate()
        #expect(desired.diagnostics == [])
        #expect(desired.projects.map(\.name) == ["a", "b"])
    }

    @Test func settingsComeFromStewardYAMLWhenItIsValid() throws {
        let desired = try ValidatorCase("settings",
            files: [
                "steward.yaml": "apiVersion: steward/v1\nkind: Settings\nintervals: {configRepo: 1h30m}\nprune: true\n",
            ],
            expect: [], brokenFiles: []
        ).validate()
        #expect(desired.settings.intervals.configRepo == 5400)
        #expect(desired.settings.prune)
    }

    @Test func diagnosticsAreSortedAcrossFiles() throws {
        let desired = try ValidatorCase("sorted",
            files: [
                "manifests/z.yaml": "apiVersion: steward/v1\nkind: Projekt\n",
                "manifests/a.yaml": "kind: Server\n",
            ],
            expect: [], brokenFiles: []
        ).validate()
        #expect(desired.diagnostics.map(\.location.file) == ["manifests/a.yaml", "manifests/z.yaml"])
        #expect(desired.brokenFiles == ["manifests/a.yaml", "manifests/z.yaml"])
    }
}
