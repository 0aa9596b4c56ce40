import Foundation
import StewardModel

/// The text of a new Project manifest as the PO writes it: the fields a person would write by hand, a comment
/// saying where it came from, no `spec.server` (placement chooses one with capacity).
public enum ProjectManifestText {
    /// Where a project's manifest goes in the config repo.
    public static func path(forProject name: String) -> String { "manifests/\(name).yaml" }

    /// The manifest of a new project.
    /// - Parameters:
    ///   - name: a DNS label.
    ///   - repo: `owner/name` on the forge.
    ///   - brief: what to build.
    ///   - request: the person's words, recorded in a comment.
    public static func newProject(name: String, repo: String, brief: String, request: String) -> String {
        let requestLine = request.split(whereSeparator: \.isNewline).joined(separator: " ")
        return """
            # Created by `steward ask` (the Product Owner) from: \(requestLine)
            apiVersion: \(ManifestParser.apiVersion)
            kind: Project
            metadata:
              name: \(name)
            spec:
              repo: \(repo)
              brief: \(quoted(brief))
              stage: active
              # No server: placement picks a ready server with enough memory and ports.

            """
    }

    /// `text` as a YAML double-quoted scalar (JSON string syntax, which YAML reads the same way).
    public static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
