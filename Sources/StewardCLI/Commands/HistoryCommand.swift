import ArgumentParser
import Foundation
import StewardAgents
import StewardGraph
import StewardStore

/// `steward history PROJECT [--at SEQ]`: the checkpoints of a project's agent thread, or its state at one.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the checkpoints of a project's agent thread, or show its state at one of them.",
        discussion: """
            One thread per project and generation (project/NAME/gN). Each checkpoint stores only what its step \
            changed; --at rebuilds the whole state at that checkpoint from the nearest snapshot. Read-only.
            """)

    @Argument(help: "The project.")
    var project: String

    @Option(help: "The generation whose thread to read (default: the project's current one).")
    var generation: Int64?

    @Option(help: "Show the state at this checkpoint (its SEQ in the list) as JSON.")
    var at: Int?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        guard let record = try await store.project(named: project) else {
            throw CommandFailure("no project named \(project) in \(global.stateDirectory.path)")
        }
        let generation = generation ?? record.generation
        let checkpointer = SQLCheckpointer(store: store)
        let checkpoints = try await ProjectThreadStatus.history(checkpointer: checkpointer, project: project, generation: generation)
        guard !checkpoints.isEmpty else {
            throw CommandFailure("project \(project) has no agent thread for generation \(generation) "
                + "(threads run for projects with a brief or a stage short of active)")
        }
        if let at {
            guard checkpoints.contains(where: { $0.sequence == at }) else {
                throw CommandFailure("thread \(checkpoints[0].thread) has no checkpoint \(at); it has 0-\(checkpoints.last!.sequence)")
            }
            let state = try await ProjectThreadStatus.state(checkpointer: checkpointer, project: project, generation: generation, at: at)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(state), as: UTF8.self))
            return
        }
        let formatter = ISO8601DateFormatter()
        var table = TextTable(header: ["SEQ", "STEP", "STATUS", "BYTES", "TIME", "NODES"])
        for checkpoint in checkpoints {
            table.rows.append([
                "\(checkpoint.sequence)", "\(checkpoint.step)", "\(checkpoint.status)",
                "\(checkpoint.payloadBytes)" + (checkpoint.snapshotBytes > 0 ? " (+\(checkpoint.snapshotBytes) snapshot)" : ""),
                formatter.string(from: checkpoint.createdAt), checkpoint.nodes.joined(separator: ","),
            ])
        }
        print("thread \(checkpoints[0].thread): \(checkpoints.count) checkpoints")
        print(table.render())
    }
}
