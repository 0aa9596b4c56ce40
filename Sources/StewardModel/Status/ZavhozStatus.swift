/// Zavhoz's progress (seed 3.2): idle (nothing to place), working (no server fits yet), done (placed). Stored
/// on the project record (`zavhoz_status`) as the agent graph runs.
public enum ZavhozStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case idle, working, done
}
