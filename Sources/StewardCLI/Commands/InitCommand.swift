import ArgumentParser
import Foundation
import StewardGit

/// `steward init [DIR]`: scaffolds a config repo (as `flux bootstrap` and `terraform init` start a project): the files
/// of `ConfigRepoScaffold`, `git init` and a first commit through libgit2. It never overwrites anything.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a config repo: steward.yaml, a Server and a Project under manifests/, a CI workflow, a first commit.",
        discussion: """
            DIR (default: the current directory) is created if missing. Writes steward.yaml (local forge), \
            manifests/local.yaml (this machine as a Server), manifests/hello.yaml (a Project the agents build from a \
            brief), .github/workflows/steward.yml and .github/actionlint.yaml (GitHub Actions), and .gitignore, then \
            makes a git repository on branch main with one commit (author: git's user.name and user.email, else \
            Steward). Refuses, writing nothing, when DIR already has a .git or any of these files. Exit 0 done, 1 \
            refused or failed.
            """)

    @Argument(help: "Directory of the new config repo (default: the current directory).")
    var directory: String = "."

    func run() throws {
        let root = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL
        let files = ConfigRepoScaffold.files
        let existing = ([".git"] + files.map(\.path)).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        guard existing.isEmpty else {
            throw CommandFailure(
                "steward init: \(root.path) already has \(existing.joined(separator: ", ")); nothing was written "
                    + "(init never overwrites: choose an empty or new directory)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CommandFailure("steward init: \(root.path) is a file, not a directory")
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for file in files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url, options: .withoutOverwriting)
        }
        let repository = try GitRepository.createWorking(at: root, initialBranch: "main")
        let author = (try? repository.configuredAuthor()) ?? nil
        let tree = Dictionary(uniqueKeysWithValues: files.map { ($0.path, GitTreeFile(contents: Data($0.text.utf8))) })
        guard
            let commit = try repository.commit(
                files: tree, branch: "main", message: "steward init: settings, a server, a project and a CI workflow",
                authorName: author?.name ?? "Steward", authorEmail: author?.email ?? "steward@localhost")
        else { throw CommandFailure("steward init: nothing was committed in \(root.path)") }
        try repository.resetIndex(to: commit)

        let shown = Self.shellQuoted(directory)
        let state = Self.shellQuoted(directory + "/.steward")
        print("Created a config repo in \(root.path) (commit \(commit.hex.prefix(7)) on main):")
        for file in files { print("  \(file.path)") }
        print("""

            Next:
              steward validate \(shown)
              steward plan --config-repo \(shown) --state-dir \(state)
              steward reconcile --once --config-repo \(shown) --state-dir \(state)
            reconcile exits 2 while it is not converged yet (the agents build hello first): run it again until it \
            exits 0. Edit and commit manifests/ to change what Steward deploys; push the repo to GitHub for the CI \
            workflow.
            """)
    }

    /// `text` as one shell word: as it is when it has only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+:=@%,")
        if !text.isEmpty, text.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
