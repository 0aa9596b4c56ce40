import Foundation
import StewardModel

extension ServerProvisioner {
    /// One provisioning playbook for the Recovery agent, whatever the server's status and attempts (like
    /// `--reprovision`): recorded as a run of its kind. After `provision` succeeds the server is `ready` with
    /// the current inputs; a failure is recorded as any provisioning failure (`error`, `provisioning_failed`).
    /// - Returns: nil on success, else why it failed.
    /// - Throws: store errors only.
    public func recover(server name: String, step kind: String) async throws -> String? {
        guard let record = try await store.server(named: name), let spec = record.spec else {
            return "no server named \(name) is registered"
        }
        guard spec.connection == .ssh else { return nil }
        var report = ProvisionReport()
        let key: String
        do {
            key = try await publicKey().trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            let why = "Steward's SSH public key is unavailable: \(error)"
            try await failed(record, why: why, report: &report)
            return why
        }
        let started = ContinuousClock.now
        let result: PlaybookResult
        do {
            result = try await runPlaybook(kind, record, publicKey: key)
        } catch {
            let why = "\(kind).yml could not start: \(error)"
            try await failed(record, why: why, report: &report)
            return why
        }
        guard let current = try await store.server(named: name) else { return "server \(name) was removed meanwhile" }
        guard result.status == .succeeded else {
            let why = failureReason(result, server: name)
            try await failed(current, why: why, report: &report)
            return why
        }
        if kind == "provision" { try await markProvisioned(current, duration: ContinuousClock.now - started) }
        logger.info("\(kind).yml succeeded", metadata: ["server": "\(name)", "action": "recovery"])
        return nil
    }
}
