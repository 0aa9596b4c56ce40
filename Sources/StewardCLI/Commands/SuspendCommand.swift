import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardStore

/// What `suspend` and `resume` act on.
enum SuspendableKind: String, ExpressibleByArgument, CaseIterable {
    case project
    case server

    var objectKind: String { self == .project ? "Project" : "Server" }
}

/// `steward suspend project|server NAME [--reason TEXT]`: as `flux suspend`, kept in the state (not in git). The object is
/// still observed (health, reachability) but never deployed, engineered, provisioned or healed until `steward resume`.
struct SuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Stop acting on a project or server (observed, never deployed, provisioned or healed) until `steward resume`.",
        discussion: """
            Kept in the state dir, not in git (spec.suspend: true in a project's manifest also suspends it; both must be \
            off for Steward to act). Shown as the condition Suspended=True with the reason. A running controller \
            notices at its next config poll. Exit 0; 1 when no such object is registered.
            """)

    @Argument(help: "project or server") var kind: SuspendableKind
    @Argument(help: "Its name.") var name: String
    @Option(help: "Why (shown in the Suspended condition, get and describe).") var reason: String?
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let reason, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--reason is empty; say why, or leave it out")
        }
    }

    func run() async throws {
        let why = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "suspended with steward suspend"
        try await Self.set(kind, name, reason: why, global: global)
    }

    /// Suspends (a reason) or resumes (nil) and says what changed.
    static func set(_ kind: SuspendableKind, _ name: String, reason: String?, global: GlobalOptions) async throws {
        let wiring = Wiring(global)
        if wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        let store = try wiring.openStore()
        let now = Date()
        let verb = reason == nil ? "resumed" : "suspended"
        let event = EventRecord(time: now, objectKind: kind.objectKind, objectName: name, reason: reason == nil ? "Resumed" : "Suspended",
            message: reason.map { "suspended: \($0)" } ?? "resumed: Steward acts on it again")
        let changed: Bool
        do {
            changed = try await store.setSuspension(objectKind: kind.objectKind, objectName: name, reason: reason, at: now, events: [event])
        } catch let error as StoreError where error.kind == .notFound {
            throw CommandFailure("no \(kind.rawValue) named \(name) is registered in \(global.stateDirectory.path) (`steward get \(kind.rawValue)s`)")
        }
        guard changed else {
            print("\(kind.rawValue)/\(name) was \(verb) already".escapingControlCharacters())
            return
        }
        wiring.logger.info("\(kind.rawValue)/\(name) \(verb)\(reason.map { ": \($0)" } ?? "")", metadata: [
            kind.rawValue: "\(name)", "action": reason == nil ? "resume" : "suspend",
        ])
        if kind == .project, reason == nil, let spec = try await store.project(named: name)?.spec, spec.suspend {
            print("project/\(name) resumed, but its manifest still says spec.suspend: true: Steward acts on it once that is gone too")
            return
        }
        print("\(kind.rawValue)/\(name) \(verb)".escapingControlCharacters()
            + (reason == nil ? "; a running controller acts on it at its next config poll" : ""))
    }
}

/// `steward resume project|server NAME`: undoes `steward suspend`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Act on a suspended project or server again.",
        discussion: "Exit 0; 1 when no such object is registered.")

    @Argument(help: "project or server") var kind: SuspendableKind
    @Argument(help: "Its name.") var name: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await SuspendCommand.set(kind, name, reason: nil, global: global)
    }
}
