import Foundation
import StewardModel
import Testing

/// A config repo snapshot with cross-file problems and exactly what `ManifestValidator` must make of it.
struct ValidatorCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// Manifest and settings files with their text.
    let files: [String: String]
    /// Other tree entries: playbooks, symlinks, files the loader must not read.
    let entries: [ConfigEntry]
    let expected: [String]
    let projects: [String]
    let servers: [String]
    let brokenFiles: Set<String>

    init(
        _ name: String, files: [String: String], entries: [ConfigEntry] = [], expect expected: [String],
        projects: [String] = [], servers: [String] = [], brokenFiles: Set<String>
    ) {
        self.name = name
        self.files = files
        self.entries = entries
        self.expected = expected
        self.projects = projects
        self.servers = servers
        self.brokenFiles = brokenFiles
    }

    var testDescription: String { name }

    /// Runs the loader's steps: skip unreadable manifests (with their diagnostic), parse the rest, validate.
    /// - Parameter throughCache: pass every parsed file through the parse cache's binary encoding first.
    func validate(throughCache: Bool = false) throws -> DesiredState {
        var tree = entries
        for (path, text) in files {
            tree.append(ConfigEntry(path: path, blobID: SHA256Digest.hex(text), size: text.utf8.count))
        }
        var parsed: [String: ParsedFile] = [:]
        var unreadable: [Diagnostic] = []
        for entry in tree where ManifestParser.isManifestFile(entry.path) || ManifestParser.isSettingsFile(entry.path) {
            if let diagnostic = ManifestValidator.unreadableFileDiagnostic(entry) {
                unreadable.append(diagnostic)
            } else if let text = files[entry.path] {
                let file = ManifestParser().parse(path: entry.path, data: Data(text.utf8))
                parsed[entry.path] = throughCache ? try ParsedFile(binary: file.binaryEncoded()) : file
            }
        }
        return ManifestValidator(builtinPlaybooks: ["deploy_project.yml", "health_check.yml"])
            .validate(files: parsed, entries: tree, extraDiagnostics: unreadable)
    }
}

/// A symlink entry of a tree listing.
func symlink(_ path: String, to target: String) -> ConfigEntry {
    ConfigEntry(path: path, blobID: SHA256Digest.hex(target), size: target.utf8.count, kind: .symlink, symlinkTarget: target)
}

/// A regular file entry of a tree listing.
func file(_ path: String, size: Int = 100) -> ConfigEntry {
    ConfigEntry(path: path, blobID: SHA256Digest.hex(path), size: size)
}

enum ValidatorCorpus {
    /// A Project whose line 6 sets `spec.deploy.playbook` (its value at column 22).
    static func project(_ name: String, playbook: String) -> String {
        """
        apiVersion: steward/v1
        kind: Project
        metadata: {name: \(name)}
        spec:
          repo: acme/\(name)
          deploy: {playbook: \(playbook)}
        """
    }

    static let playbooks: [ValidatorCase] = [
        ValidatorCase("playbook symlink to an absolute path",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "deploy.yml")],
            entries: [symlink("playbooks/deploy.yml", to: "/etc/ansible/deploy.yml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"deploy.yml\" resolves through symlink "
                    + "playbooks/deploy.yml -> /etc/ansible/deploy.yml, outside the repository",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("playbook symlink out of the repository through ../..",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "deploy.yml")],
            entries: [symlink("playbooks/deploy.yml", to: "../../etc/passwd")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"deploy.yml\" resolves through symlink "
                    + "playbooks/deploy.yml -> ../../etc/passwd, outside the repository",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("directory symlink in playbooks/ out of the repository",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "shared/deploy.yml")],
            entries: [symlink("playbooks/shared", to: "../../shared-playbooks"), file("playbooks/site.yml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"shared/deploy.yml\" resolves through symlink "
                    + "playbooks/shared -> ../../shared-playbooks, outside the repository",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("playbook symlink inside the repository but outside playbooks/",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "deploy.yml")],
            entries: [symlink("playbooks/deploy.yml", to: "../manifests/app.yaml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"deploy.yml\" resolves through symlink "
                    + "playbooks/deploy.yml -> ../manifests/app.yaml to manifests/app.yaml, outside playbooks/",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("missing playbook",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "deploy_web.yml")],
            entries: [file("playbooks/site.yml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"deploy_web.yml\" is neither in the config repo's "
                    + "playbooks/ nor one of Steward's playbooks (deploy_project.yml, health_check.yml)",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("dangling playbook symlink",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "deploy.yml")],
            entries: [symlink("playbooks/deploy.yml", to: "old/deploy.yml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"deploy.yml\" resolves through symlink "
                    + "playbooks/deploy.yml -> old/deploy.yml to playbooks/old/deploy.yml, which does not exist",
            ], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("playbook symlink loop",
            files: ["manifests/app.yaml": project("weather-bot", playbook: "a.yml")],
            entries: [symlink("playbooks/a.yml", to: "b.yml"), symlink("playbooks/b.yml", to: "a.yml")],
            expect: [
                "manifests/app.yaml:6:22: error: spec.deploy.playbook \"a.yml\" has a symlink loop at playbooks/a.yml",
            ], brokenFiles: ["manifests/app.yaml"]),
    ]

    static let references: [ValidatorCase] = [
        ValidatorCase("duplicate Project name across two files",
            files: [
                "manifests/a.yaml": project("weather-bot", playbook: "deploy_project.yml"),
                "manifests/b.yaml": project("weather-bot", playbook: "deploy_project.yml"),
            ],
            expect: [
                "manifests/b.yaml:3:18: error: duplicate Project \"weather-bot\"; it is already defined at "
                    + "manifests/a.yaml:3:18, and names must be unique per kind",
            ], projects: ["weather-bot"], brokenFiles: ["manifests/b.yaml"]),
        ValidatorCase("duplicate Server name",
            files: [
                "manifests/servers.yaml": """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: vps-1}
                    spec: {address: 10.0.0.2}
                    ---
                    apiVersion: steward/v1
                    kind: Server
                    metadata:
                      name: vps-1
                    spec: {address: 10.0.0.3}
                    """,
            ],
            expect: [
                "manifests/servers.yaml:6:1: error: duplicate Server \"vps-1\"; it is already defined at "
                    + "manifests/servers.yaml:1:1, and names must be unique per kind",
            ], servers: ["vps-1"], brokenFiles: ["manifests/servers.yaml"]),
        ValidatorCase("a Project and a Server may share a name",
            files: [
                "manifests/a.yaml": """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: box}
                    spec: {address: 10.0.0.2}
                    ---
                    apiVersion: steward/v1
                    kind: Project
                    metadata: {name: box}
                    spec: {repo: acme/box, server: box, deploy: {strategy: blueGreen}}
                    """,
            ],
            expect: [], projects: ["box"], servers: ["box"], brokenFiles: []),
        ValidatorCase("Project naming a missing Server, with a hint",
            files: [
                "manifests/servers.yaml": """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: vps-1}
                    spec: {address: 10.0.0.2}
                    """,
                "manifests/app.yaml": """
                    apiVersion: steward/v1
                    kind: Project
                    metadata: {name: weather-bot}
                    spec:
                      repo: acme/weather-bot
                      server: vps1
                    """,
            ],
            expect: [
                "manifests/app.yaml:6:11: error: spec.server \"vps1\" names no Server manifest (did you mean \"vps-1\"?)",
            ], servers: ["vps-1"], brokenFiles: ["manifests/app.yaml"]),
        ValidatorCase("Project naming a Server whose file is broken",
            files: [
                "manifests/servers.yaml": """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: vps-1}
                    spec: {address: 10.0.0.2, port: ssh}
                    """,
                "manifests/app.yaml": """
                    apiVersion: steward/v1
                    kind: Project
                    metadata: {name: weather-bot}
                    spec:
                      repo: acme/weather-bot
                      server: vps-1
                    """,
            ],
            expect: [
                "manifests/app.yaml:6:11: error: spec.server \"vps-1\" names no Server manifest; Servers in files with errors "
                    + "(manifests/servers.yaml) are not counted",
                "manifests/servers.yaml:4:33: error: spec.port: expected an integer, found string \"ssh\"",
            ], brokenFiles: ["manifests/app.yaml", "manifests/servers.yaml"]),
    ]

    static let isolation: [ValidatorCase] = [
        ValidatorCase("a broken file does not affect another file's projects",
            files: [
                "manifests/a.yaml": project("weather-bot", playbook: "deploy_project.yml"),
                "manifests/b.yaml": """
                    apiVersion: steward/v1
                    kind: Project
                    metadata: {name: "news-bot}
                    spec: {repo: acme/news-bot}
                    """,
                "manifests/c.yaml": """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: vps-1}
                    spec: {address: 10.0.0.2}
                    """,
            ],
            expect: [
                "manifests/b.yaml:3:18: error: invalid YAML: quoted string starting here is never closed: found the end of "
                    + "the file before the closing '\"'",
            ], projects: ["weather-bot"], servers: ["vps-1"], brokenFiles: ["manifests/b.yaml"]),
        ValidatorCase("a broken steward.yaml does not affect the manifests",
            files: [
                "steward.yaml": "kind: Settings\nintervals: {configRepo: soon}\n",
                "manifests/a.yaml": project("weather-bot", playbook: "deploy_project.yml"),
            ],
            expect: [
                "steward.yaml:2:25: error: intervals.configRepo: expected a positive duration like 90s, 5m or 1h, found "
                    + "string \"soon\"",
            ], projects: ["weather-bot"], brokenFiles: ["steward.yaml"]),
        ValidatorCase("a symlinked manifest is not followed",
            files: ["manifests/a.yaml": project("weather-bot", playbook: "deploy_project.yml")],
            entries: [symlink("manifests/link.yaml", to: "../../outside/app.yaml")],
            expect: [
                "manifests/link.yaml:1:1: error: manifest files must be regular files; the symlink to "
                    + "\"../../outside/app.yaml\" is not followed",
            ], projects: ["weather-bot"], brokenFiles: ["manifests/link.yaml"]),
        ValidatorCase("a manifest over 1 MiB is not read",
            files: ["manifests/a.yaml": project("weather-bot", playbook: "deploy_project.yml")],
            entries: [file("manifests/huge.yaml", size: 2_000_000)],
            expect: [
                "manifests/huge.yaml:1:1: error: file is 2000000 bytes; manifest files are limited to 1048576 bytes (1 MiB)",
            ], projects: ["weather-bot"], brokenFiles: ["manifests/huge.yaml"]),
    ]

    /// A Project that depends on `dependencies` (its `dependsOn` entries on line 6, from column 15, 2 apart + name).
    static func dependent(_ name: String, on dependencies: [String]) -> String {
        """
        apiVersion: steward/v1
        kind: Project
        metadata: {name: \(name)}
        spec:
          repo: acme/\(name)
          dependsOn: [\(dependencies.joined(separator: ", "))]
        """
    }

    static let dependencies: [ValidatorCase] = [
        ValidatorCase("dependsOn names a project that does not exist",
            files: [
                "manifests/api.yaml": dependent("api", on: ["db", "cache"]),
                "manifests/db.yaml": dependent("db", on: []).replacingOccurrences(of: "  dependsOn: []\n", with: ""),
                "manifests/web.yaml": dependent("web", on: ["api"]),
            ],
            expect: [
                "manifests/api.yaml:6:19: error: spec.dependsOn names no Project \"cache\"",
            ], projects: ["db", "web"], brokenFiles: ["manifests/api.yaml"]),
        ValidatorCase("dependsOn with a typo gets a suggestion",
            files: [
                "manifests/web.yaml": dependent("web", on: ["dbb"]),
                "manifests/db.yaml": dependent("db", on: []).replacingOccurrences(of: "  dependsOn: []\n", with: ""),
            ],
            expect: [
                "manifests/web.yaml:6:15: error: spec.dependsOn names no Project \"dbb\" (did you mean \"db\"?)",
            ], projects: ["db"], brokenFiles: ["manifests/web.yaml"]),
        ValidatorCase("a dependsOn cycle across three files, and a project depending on itself",
            files: [
                "manifests/a.yaml": dependent("a", on: ["b"]),
                "manifests/b.yaml": dependent("b", on: ["c"]),
                "manifests/c.yaml": dependent("c", on: ["a"]),
                "manifests/d.yaml": dependent("d", on: ["a"]),
                "manifests/self.yaml": dependent("self", on: ["self"]),
            ],
            expect: [
                "manifests/a.yaml:6:15: error: spec.dependsOn makes a cycle: a -> b -> c -> a; none of these projects can deploy first",
                "manifests/b.yaml:6:15: error: spec.dependsOn makes a cycle: a -> b -> c -> a; none of these projects can deploy first",
                "manifests/c.yaml:6:15: error: spec.dependsOn makes a cycle: a -> b -> c -> a; none of these projects can deploy first",
                "manifests/self.yaml:6:15: error: spec.dependsOn makes a cycle: self -> self; none of these projects can deploy first",
            ], projects: ["d"], brokenFiles: ["manifests/a.yaml", "manifests/b.yaml", "manifests/c.yaml", "manifests/self.yaml"]),
    ]

    static let all = playbooks + references + isolation + dependencies
}
