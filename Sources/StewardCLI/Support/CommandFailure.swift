/// A command that cannot do its work (no state yet, unknown name): printed as `Error: …`, exit code 1.
/// Usage mistakes stay `ValidationError` (exit 64 with the usage text).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
