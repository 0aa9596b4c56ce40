import ArgumentParser

/// `steward completion bash|zsh|fish`: the shell completion script, as `flux completion` and `kubectl completion`
/// print it (argument-parser generates it; `steward --generate-completion-script SHELL` is the same).
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the completion script for bash, zsh or fish.",
        discussion: """
            bash: steward completion bash > ~/.local/share/bash-completion/completions/steward
            zsh:  steward completion zsh > "${fpath[1]}/_steward"
            fish: steward completion fish > ~/.config/fish/completions/steward.fish
            scripts/install.sh installs all three.
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        print(StewardCommand.completionScript(for: shell.completionShell))
    }
}
