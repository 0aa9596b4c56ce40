import StewardCore

/// The files `steward init` writes into a new config repo: commented settings for the local forge, a Server for the
/// machine Steward runs on, a Project the agents build from a brief, the GitHub Actions workflow (examples/ci,
/// compiled in) and a .gitignore. `steward validate` accepts the result as it is (a test holds it so).
enum ConfigRepoScaffold {
    /// Each file's path in the repo and its text.
    static var files: [(path: String, text: String)] {
        var files: [(path: String, text: String)] = [
            ("steward.yaml", settings),
            ("manifests/local.yaml", server),
            ("manifests/hello.yaml", project),
            (".gitignore", gitignore),
        ]
        for file in EmbeddedCIExample.files {
            switch file.path {
            case "steward.yml": files.append((".github/workflows/steward.yml", file.text))
            case "actionlint.yaml": files.append((".github/actionlint.yaml", file.text))
            default: continue
            }
        }
        return files
    }

    static let settings = """
        # Steward's settings for this config repo. Every field has a default; the README's "steward.yaml (Settings)"
        # lists them all.
        apiVersion: steward/v1
        kind: Settings

        # Where project repos live. local: bare git repos under the state dir (STATE/forge/OWNER/NAME.git), nothing to
        # sign up for. On GitHub instead (a token with repo scope in $GITHUB_TOKEN, or a GitHub App):
        #   forge: {provider: github, owner: YOUR-ORG, auth: {tokenEnv: GITHUB_TOKEN}}
        forge:
          provider: local
          path: forge

        # false: a manifest removed from manifests/ is only flagged; true: its app is removed and its ports freed.
        prune: false

        # The longest one ansible-playbook run may take; its whole process group is killed after it.
        playbookTimeout: 15m

        # How often `steward run` looks again (these are the defaults):
        # intervals: {configRepo: 1m, githubSync: 5m, serverSync: 1m, healthCheck: 60s, resync: 10m}

        # Who the engineering agents are: builtin (templates, no model), command, or an OpenAI-compatible endpoint:
        # agents: {backend: openai, endpoint: https://api.openai.com/v1, model: gpt-4o-mini, apiKeyEnv: OPENAI_API_KEY}

        """

    static let server = """
        # A server Steward deploys to. This one is the machine Steward runs on (ansible_connection=local), so there is
        # nothing to set up. A real one: drop `connection`, set `address` (and `port`); Steward's bootstrap.yml logs in
        # as `bootstrapUser` (root) once and creates the `deploy` user it uses from then on.
        apiVersion: steward/v1
        kind: Server
        metadata:
          name: local
          labels: {purpose: getting-started}
        spec:
          address: 127.0.0.1
          connection: local
          capacity:
            memoryMB: 512          # what the projects placed here may use together
            ports: "18100-18119"   # the ports Steward hands out to projects on this server

        """

    static let project = """
        # A project: an app in a repo on the forge, deployed to a server. This one has a brief and no repo yet, so
        # Steward's agents create me/hello on the forge (from a template), build and test it, and deploy it. For an app
        # that already exists, set `repo` to it (a `web:` line in its Procfile, or deploy.command) and drop the brief:
        # it is deployed as it is.
        apiVersion: steward/v1
        kind: Project
        metadata:
          name: hello
          labels: {team: me}
        spec:
          repo: me/hello
          brief: "A small web page that says hello."
          stage: active              # designed | implemented | verified | active: how far the agents go
          server: local              # a Server manifest's name; without it Steward picks one with room
          resources: {memoryMB: 64, ports: 1}
          deploy:
            strategy: recreate       # or blueGreen: two slots behind nginx, no downtime
            healthPath: /health      # a deploy is done when this answers
          env: |                     # written as .env beside the app (0600); secrets: ${secret:NAME}
            LOG_LEVEL=info

        """

    static let gitignore = """
        # Steward's state (database, caches, the local forge) when it is kept inside the config repo.
        .steward/
        # Keys and secrets never belong in git: `steward secret set` keeps secrets encrypted in the state.
        *.pem
        *.key
        .env

        """
}
