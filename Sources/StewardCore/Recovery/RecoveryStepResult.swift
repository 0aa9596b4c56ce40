/// The recorded result of one recovery step (stored as an effect's result, so a resumed thread reads it back).
public struct RecoveryStepResult: Sendable, Hashable, Codable {
    public var succeeded: Bool
    /// What was done, or why it failed.
    public var detail: String

    public init(succeeded: Bool, detail: String) {
        self.succeeded = succeeded
        self.detail = detail
    }

    /// A step that worked.
    public static func done(_ detail: String) -> RecoveryStepResult { RecoveryStepResult(succeeded: true, detail: detail) }
    /// A step that failed, and why.
    public static func failed(_ detail: String) -> RecoveryStepResult { RecoveryStepResult(succeeded: false, detail: detail) }
}
