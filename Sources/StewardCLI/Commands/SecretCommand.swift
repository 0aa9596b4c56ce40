import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardSecrets

/// `steward secret set|list|rm`: encrypted project secrets for `${secret:NAME}` in `spec.env`.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Manage encrypted project secrets (AES-GCM; the key from $STEWARD_MASTER_KEY or STATE/master.key).",
        subcommands: [Set.self, List.self, Remove.self])

    /// `steward secret set PROJECT NAME` with the value on stdin.
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Store a secret read from stdin (never from argv); one trailing newline is dropped.")

        @Argument(help: "Project name.") var project: String
        @Argument(help: "Secret name, as in ${secret:NAME}.") var name: String
        @Flag(help: "No warning when no project of that name is registered yet.") var force = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard Validation.isSecretName(name) else {
                throw ValidationError("\(name) is not a secret name: 1-128 letters, digits, '_', '-' or '.', starting with a letter or '_'")
            }
        }

        func run() async throws {
            var value = FileHandle.standardInput.readDataToEndOfFile()
            if value.last == UInt8(ascii: "\n") { value.removeLast() }
            if value.last == UInt8(ascii: "\r") { value.removeLast() }
            guard !value.isEmpty else { throw CommandFailure("no value on stdin: pipe it in, e.g. `printf %s \"$TOKEN\" | steward secret set \(project) \(name)`") }
            let store = try Wiring(global).openStore()
            if !force, try await store.project(named: project) == nil {
                FileHandle.standardError.write(Data(("warning: no project named \(project) is registered in \(global.stateDirectory.path) "
                    + "(a typo? its manifest not reconciled yet?); the secret is stored all the same (--force hides this)\n").utf8))
            }
            let cipher = AESGCMSecretCipher(key: try MasterKey.load(stateDirectory: global.stateDirectory, create: true))
            // One store, one key: a different key is refused before anything is sealed with it.
            try await SecretKeyCheck.verify(cipher, store: store, at: Date())
            let version = try await store.setSecret(
                project: project, name: name, sealed: try cipher.seal(value, context: "\(project)/\(name)"), at: Date())
            print("secret \(name) of project \(project) stored (version \(version))")
        }
    }

    /// `steward secret list PROJECT`: names and versions, never values.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show a project's secret names and versions.")

        @Argument(help: "Project name.") var project: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let store = try Wiring(global).openStore(readOnly: true)
            let formatter = ISO8601DateFormatter()
            var table = TextTable(header: ["NAME", "VERSION", "UPDATED"])
            for secret in try await store.secrets(project: project) {
                table.rows.append([secret.name, "\(secret.version)", formatter.string(from: secret.updatedAt)])
            }
            print(table.render())
        }
    }

    /// `steward secret rm PROJECT NAME`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a secret.")

        @Argument(help: "Project name.") var project: String
        @Argument(help: "Secret name.") var name: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            guard try await Wiring(global).openStore().deleteSecret(project: project, name: name) else {
                throw CommandFailure("project \(project) has no secret \(name)")
            }
            print("secret \(name) of project \(project) deleted")
        }
    }
}
