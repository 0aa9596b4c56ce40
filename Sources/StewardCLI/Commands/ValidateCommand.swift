import ArgumentParser
import Foundation
import StewardCore
import StewardModel

/// `steward validate [PATH]`: checks a config repo's steward.yaml and manifests.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check steward.yaml and manifests/ of a config repo directory (or of --config-repo at --ref).",
        discussion: "Prints FILE:LINE:COL: error: MESSAGE per problem; exits 1 when there is any error, else 0.")

    /// Output formats of the findings.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case github
    }

    @Argument(help: "Config repo directory (a checkout). Default: the current directory, or --config-repo when given.")
    var path: String?

    @Option(help: "text, json, or github (GitHub Actions ::error annotations).")
    var format: Format = .text

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let wiring = Wiring(global)
        let builtin = wiring.playbookNames()
        let source: any ConfigSource
        if path == nil, global.configRepo != nil || ProcessInfo.processInfo.environment["STEWARD_CONFIG_REPO"] != nil {
            source = try wiring.configSource()
        } else {
            source = DirectoryConfigSource(root: URL(fileURLWithPath: path ?? "."))
        }
        let revision = try await source.update()
        // A submodule where manifests or playbooks live is read by no reconcile: an error here, a warning there.
        let loaded = try await ConfigLoader(
            source: source, store: nil, builtinPlaybooks: builtin, submoduleSeverity: .error
        ).load(revision)
        let diagnostics = loaded.desired.diagnostics
        print(Self.render(diagnostics, format: format, files: loaded.parsedFiles), terminator: "")
        if diagnostics.hasErrors { throw ExitCode(1) }
    }

    static func render(_ diagnostics: [Diagnostic], format: Format, files: Int) -> String {
        switch format {
        case .text:
            // One diagnostic, one line: control characters from the manifests are shown, never acted on.
            var text = diagnostics.map { "\($0)".escapingControlCharacters() + "\n" }.joined()
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            text += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")\n"
            return text
        case .json:
            struct Finding: Encodable {
                var file: String
                var line: Int
                var column: Int
                var severity: String
                var message: String
            }
            struct Report: Encodable {
                var errors: Int
                var warnings: Int
                var diagnostics: [Finding]
            }
            let findings = diagnostics.map {
                Finding(file: $0.location.file, line: $0.location.line, column: $0.location.column,
                    severity: $0.severity.rawValue, message: $0.message)
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            let report = Report(errors: errors, warnings: diagnostics.count - errors, diagnostics: findings)
            return String(decoding: CanonicalJSON.encode(report), as: UTF8.self) + "\n"
        case .github:
            return diagnostics.map { diagnostic in
                let location = diagnostic.location
                let file = escapeProperty(location.file.escapingControlCharacters())
                let properties = "file=\(file),line=\(location.line),col=\(location.column)"
                return "::\(diagnostic.severity.rawValue) \(properties)::"
                    + "\(escapeData(diagnostic.message.escapingControlCharacters(keepingNewlines: true)))\n"
            }.joined()
        }
    }

    /// GitHub workflow-command escaping of a message.
    static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// GitHub workflow-command escaping of a property value.
    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
