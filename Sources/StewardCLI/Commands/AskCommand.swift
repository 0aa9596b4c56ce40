import ArgumentParser
import Foundation
import StewardModel
import StewardPO

/// `steward ask "…"`: talk to the Product Owner agent.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask the Product Owner: start a project, ask how one is doing, request a change, or fix one (the Recovery agent).",
        discussion: """
            Examples: "new project: a url shortener", "status of url-shortener", "url-shortener: add a /stats endpoint", \
            "fix url-shortener". New projects and change requests are commits to the config repo (pushed when it is a URL); \
            the controller acts on them on its next reconcile. Every answer starts with incidents not reported before.
            Exit codes: 0 answered; 1 errors.
            """)

    /// Output style.
    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "What you want, in words.")
    var message: String

    @Option(name: .shortAndLong, help: "text or json")
    var output: Output = .text

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let wiring = Wiring(global)
        let productOwner = try await wiring.productOwner()
        let answer: ProductOwnerAnswer
        do {
            answer = try await productOwner.handle(message)
        } catch let error as ProductOwnerError {
            throw CommandFailure(error.description)
        }
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(answer), as: UTF8.self))
            return
        }
        print(Self.text(of: answer).escapingControlCharacters(keepingNewlines: true))
    }

    /// The answer for a person: unseen incidents first, then the answer itself.
    static func text(of answer: ProductOwnerAnswer) -> String {
        var lines: [String] = []
        if !answer.newIncidents.isEmpty {
            let formatter = ISO8601DateFormatter()
            lines.append("New incidents since you last asked:")
            for incident in answer.newIncidents {
                lines.append("  #\(incident.id ?? 0) \(incident.severity.rawValue) \(incident.kind.rawValue) on \(incident.objectKind) "
                    + "\(incident.objectName) (\(incident.status.rawValue), opened \(formatter.string(from: incident.openedAt))): "
                    + incident.message)
            }
            lines.append("")
        }
        lines.append(answer.text)
        if let commit = answer.commit { lines.append("commit: \(commit)") }
        return lines.joined(separator: "\n")
    }
}
