import Foundation
import StewardModel

/// What server_sync and provisioning need from the store besides servers and incidents: the sync's last
/// attempt (so its interval holds across one-shot passes) and a server's runs.
public protocol ServerSyncStore: Sendable {
    /// When server_sync last started, or nil when it never ran.
    func lastServerSyncAttempt() async throws -> Date?
    /// Records that server_sync started at `time`.
    func saveServerSyncAttempt(_ time: Date) async throws
    /// Runs of a server that belong to no project (bootstrap, provision, server_facts), newest first, with tasks.
    func runs(server: String, limit: Int) async throws -> [RunRecord]
}
