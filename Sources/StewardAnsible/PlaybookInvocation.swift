import Foundation

/// Exactly how one run starts `ansible-playbook`: an argv array (no shell) and an environment.
/// Neither holds extra vars: those are only in the 0600 file named by `-e @file`.
struct PlaybookInvocation: Sendable, Hashable {
    /// Absolute path of `ansible-playbook`.
    var executable: String
    /// Full argv: `[ansible-playbook, -i, inventory, -e, @extra-vars, (--forks N,) playbook]`.
    var arguments: [String]
    var environment: [String: String]
    /// The run's private directory, also the process's working directory.
    var runDirectory: URL
    var inventoryFile: URL
    var extraVarsFile: URL

    init(
        executable: String, arguments: [String], environment: [String: String], runDirectory: URL,
        inventoryFile: URL, extraVarsFile: URL
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.runDirectory = runDirectory
        self.inventoryFile = inventoryFile
        self.extraVarsFile = extraVarsFile
    }
}
