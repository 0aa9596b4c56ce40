import Foundation
import Logging
import StewardCore
import StewardGit
import StewardHTTP
import StewardModel
import StewardPO

extension Wiring {
    /// The PO for `steward ask`: settings from the config repo's `steward.yaml` (defaults without a config
    /// repo), the state store (read-write: incidents get their seen mark), and a config-repo writer on `--ref`.
    func productOwner() async throws -> ProductOwner {
        let configRepo = options.configRepo.flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.environment["STEWARD_CONFIG_REPO"].flatMap { $0.isEmpty ? nil : $0 }
        var settings = Settings()
        if let configRepo { settings = try await configSettings(url: configRepo) }
        let store = try openStore()
        let writer = configRepo.map {
            GitConfigRepoWriter(
                url: $0, branch: options.ref.hasPrefix("refs/heads/") ? String(options.ref.dropFirst("refs/heads/".count)) : options.ref,
                scratchDirectory: options.stateDirectory.appendingPathComponent("tmp", isDirectory: true))
        }
        // Fix starts the Recovery agent; it needs the config repo (manifests, settings) like `steward fix`.
        var recover: (@Sendable (String?) async throws -> (text: String, allResolved: Bool))?
        if configRepo != nil {
            // Parsed options are never mutated after parsing; GlobalOptions is not Sendable only for its wrappers.
            nonisolated(unsafe) let options = self.options
            recover = { object in
                let answer = try await Wiring(options).recover(object: object)
                return (text: answer.text, allResolved: answer.allResolved)
            }
        }
        return ProductOwner(
            classifier: try classifier(settings), store: store, configRepo: writer,
            repoOwner: Result { try repoOwner(settings) }.mapError { ProductOwnerError("\($0)") }, recover: recover)
    }

    /// `steward.yaml` at `--ref`, read through a cache of its own per URL (`STATE/po-config-repo-HASH.git`), so
    /// asking never touches the clone a running reconcile uses.
    private func configSettings(url: String) async throws -> Settings {
        try FileManager.default.createDirectory(at: options.stateDirectory, withIntermediateDirectories: true)
        let source = GitConfigSource(
            url: url, ref: options.ref, cacheDirectory: options.stateDirectory.appendingPathComponent(
                "po-config-repo-\(SHA256Digest.hex(url).prefix(12)).git", isDirectory: true))
        let revision = try await source.update()
        guard let entry = try await source.entries(at: revision).first(where: { ManifestParser.isSettingsFile($0.path) }) else {
            return Settings()
        }
        let parsed = ManifestParser().parse(path: entry.path, data: try await source.contents(of: entry))
        if parsed.diagnostics.hasErrors {
            throw CommandFailure("\(entry.path) has errors (`steward validate` lists them): "
                + parsed.diagnostics.filter { $0.severity == .error }.map(\.description).joined(separator: "; "))
        }
        return parsed.settings ?? Settings()
    }

    /// builtin rules, or the OpenAI-compatible endpoint of `agents`; the `command` backend has no classifier,
    /// so the PO uses the builtin rules there.
    private func classifier(_ settings: Settings) throws -> any IntentClassifier {
        switch settings.agents.backend {
        case .builtin:
            return BuiltinIntentClassifier()
        case .command:
            logger.info("agents.backend is command: the PO classifies messages with the builtin rules", metadata: ["action": "ask"])
            return BuiltinIntentClassifier()
        case .openai:
            guard let endpointText = settings.agents.endpoint, let endpoint = URL(string: endpointText), let model = settings.agents.model
            else {
                throw CommandFailure("agents.backend is openai but agents.endpoint or agents.model is missing in steward.yaml")
            }
            let logger = self.logger
            let client = try HTTPClient(configuration: HTTPClient.Configuration(
                totalTimeout: .seconds(120), maxAttempts: 2,
                onEvent: { event in
                    logger.info("http", metadata: [
                        "method": "\(event.method)", "path": "\(event.path)", "status": "\(event.status.map(String.init) ?? "-")",
                        "attempt": "\(event.attempt)", "action": "po_classify",
                    ])
                }))
            return OpenAIIntentClassifier(
                endpoint: endpoint, model: model, apiKeyEnvironmentVariable: settings.agents.apiKeyEnv, client: client)
        }
    }

    /// The owner of new projects' repos: `forge.owner`; for a local forge without it, the one owner directory
    /// the forge has (`local` when it has none yet). Several owner directories need `forge.owner`.
    private func repoOwner(_ settings: Settings) throws -> String {
        if let owner = settings.forge.owner, !owner.isEmpty { return owner }
        switch settings.forge.provider {
        case .github:
            return try Wiring.githubOwner(settings)
        case .local:
            let root = Wiring.localForge(settings, stateDirectory: options.stateDirectory).root
            let owners = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            switch owners.count {
            case 0: return "local"
            case 1: return owners[0]
            default:
                throw CommandFailure("the local forge \(root.path) has several owners (\(owners.joined(separator: ", "))); "
                    + "set forge.owner in steward.yaml to say which one new projects belong to")
            }
        }
    }
}
