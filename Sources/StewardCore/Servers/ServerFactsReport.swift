import Foundation
import StewardModel

/// What `server_facts.yml` reports for one host (`REPORT_DIR/HOST.json`, written on the controller).
struct ServerFactsReport: Decodable {
    var memoryMB: Int?
    var memoryFreeMB: Int?
    var diskFreeMB: Int?
    var distribution: String?
    var distributionVersion: String?
    var kernel: String?
    var python: String?
    var serviceManager: String?
    var appsDirectory: String?
    /// Raw `deployed.json` documents by project directory name; unreadable ones are skipped with a warning.
    var markers: [String: JSONValue]
    /// The inputs hash `provision.yml` left in `~DEPLOY_USER/.steward/provisioned.json`, when there is one.
    var provisioned: String?

    private enum CodingKeys: String, CodingKey {
        case memoryMB = "memory_mb", memoryFreeMB = "memory_free_mb", diskFreeMB = "disk_free_mb"
        case distribution, distributionVersion = "distribution_version", kernel, python
        case serviceManager = "service_mgr", appsDirectory = "apps_dir", markers, provisioned
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Ansible may render numbers as strings; both are accepted.
        func int(_ key: CodingKeys) -> Int? {
            if let value = try? container.decodeIfPresent(Int.self, forKey: key) { return value }
            if let value = try? container.decodeIfPresent(Double.self, forKey: key) { return Int(value) }
            return (try? container.decodeIfPresent(String.self, forKey: key)).flatMap { $0.flatMap { Int($0) } }
        }
        func string(_ key: CodingKeys) -> String? {
            (try? container.decodeIfPresent(String.self, forKey: key)).flatMap { $0.flatMap { $0.isEmpty ? nil : $0 } }
        }
        memoryMB = int(.memoryMB)
        memoryFreeMB = int(.memoryFreeMB)
        diskFreeMB = int(.diskFreeMB)
        distribution = string(.distribution)
        distributionVersion = string(.distributionVersion)
        kernel = string(.kernel)
        python = string(.python)
        serviceManager = string(.serviceManager)
        appsDirectory = string(.appsDirectory)
        provisioned = string(.provisioned)
        markers = (try? container.decodeIfPresent([String: JSONValue].self, forKey: .markers)) ?? [:]
    }

    var facts: ServerFacts {
        ServerFacts(
            memoryMB: memoryMB, memoryFreeMB: memoryFreeMB, diskFreeMB: diskFreeMB,
            os: [distribution, distributionVersion].compactMap { $0 }.joined(separator: " ").nilIfEmpty,
            kernel: kernel, python: python, hasSystemd: serviceManager == "systemd", appsDirectory: appsDirectory)
    }

    /// The markers that decode as `DeployMarker`, by project; the names of the others.
    func deployMarkers() -> (markers: [String: DeployMarker], unreadable: [String]) {
        var decoded: [String: DeployMarker] = [:]
        var unreadable: [String] = []
        for (directory, value) in markers {
            if let data = try? JSONEncoder().encode(value), let marker = try? JSONDecoder().decode(DeployMarker.self, from: data) {
                decoded[marker.project] = marker
            } else {
                unreadable.append(directory)
            }
        }
        return (decoded, unreadable.sorted())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
