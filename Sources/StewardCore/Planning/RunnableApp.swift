import Foundation
import StewardModel

/// Whether a project's repo already holds an app the deploy playbook can start: the manifest names a start
/// command (`spec.deploy.command`), or the repo's `Procfile` at the deployed commit has a `web:` line (read the
/// way the playbook's supervisor reads it). Such a repo that Steward did not create is deployed as it is; its
/// `brief` is documentation, and no agent touches its code (docs/ARCHITECTURE.md §3, "Adopted repos").
public enum RunnableApp {
    /// The command of the `web:` line of a Procfile's text, or nil.
    public static func procfileWebCommand(_ text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let command = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if line[..<colon].trimmingCharacters(in: .whitespaces) == "web", !command.isEmpty { return command }
        }
        return nil
    }

    /// Whether `spec` on `repo` can be started as it is.
    /// - Parameter read: the contents of a file of the repo at `repo.commit`, nil when absent.
    public static func check(
        _ spec: ProjectSpec, repo: ResolvedRepo, read: (String) async throws -> Data?
    ) async throws -> Bool {
        if let command = spec.deploy.command, !command.trimmingCharacters(in: .whitespaces).isEmpty { return true }
        guard let data = try await read("Procfile") else { return false }
        return procfileWebCommand(String(decoding: data, as: UTF8.self)) != nil
    }
}
