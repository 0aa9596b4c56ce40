import ArgumentParser
import Foundation

/// `steward fix PROJECT|SERVER`: the Recovery agent, for the object's open incidents.
struct FixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Recover a project or server: act on its open incidents (re-provision, redeploy, restore its repo).",
        discussion: """
            Each open incident gets a Recovery thread (recovery/INCIDENT_ID, checkpointed): server_unreachable and \
            provisioning_failed re-check the server, run bootstrap.yml and provision.yml and redeploy its projects; \
            service_down and deploy_failed redeploy the project; repo_missing re-links the repo or re-creates it with \
            the last deployed commit and its history (from the GitHub mirror or Steward's bundle; scaffolded without \
            either); host_key_changed is never automatic (pin the new key). \
            A fix interrupted by a crash continues where it stopped the next time. Beside `steward run` it holds only the incidents' objects.
            Exit codes: 0 every incident resolved (or none open); 1 any failed, or errors.
            """)

    @Argument(help: "A project or server name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let answer = try await Wiring(global).recover(object: name)
        print(answer.text)
        if !answer.allResolved { throw ExitCode(1) }
    }
}
