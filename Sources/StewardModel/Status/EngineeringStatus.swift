/// The Engineering subgraph's progress (seed 3.2): idle, working, blocked (waiting for a person or over its
/// iteration budget). Stored on the project record (`engineering_status`) as the agent graph runs.
public enum EngineeringStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case idle, working, blocked
}
