import Foundation

/// `spec` of a `kind: Server` manifest (docs/ARCHITECTURE.md §2).
public struct ServerSpec: Sendable, Hashable, Codable {
    /// How Ansible reaches the server.
    public enum Connection: String, Sendable, Hashable, Codable, CaseIterable {
        /// Over SSH (the default).
        case ssh
        /// The machine Steward runs on (`ansible_connection=local`): the quickstart's server.
        case local
    }

    /// What the server offers.
    public struct Capacity: Sendable, Hashable, Codable {
        public var memoryMB: Int
        public var ports: PortRange

        public init(memoryMB: Int = 1024, ports: PortRange = PortRange(lower: 8000, upper: 8999)) {
            self.memoryMB = memoryMB
            self.ports = ports
        }
    }

    public var address: String
    public var port: Int
    /// The account Steward deploys and provisions as; created by `bootstrap.yml` (default `deploy`).
    public var user: String
    /// The account `bootstrap.yml` logs in with to create `user` (default `root`).
    public var bootstrapUser: String
    public var connection: Connection
    /// Pinned SSH host key (`ssh-ed25519 AAAA…`); nil means trust on first use.
    public var hostKey: String?
    public var capacity: Capacity
    public var labels: [String: String]

    public init(
        address: String, port: Int = 22, user: String = "deploy", bootstrapUser: String = "root",
        connection: Connection = .ssh, hostKey: String? = nil, capacity: Capacity = Capacity(),
        labels: [String: String] = [:]
    ) {
        self.address = address
        self.port = port
        self.user = user
        self.bootstrapUser = bootstrapUser
        self.connection = connection
        self.hostKey = hostKey
        self.capacity = capacity
        self.labels = labels
    }

    private enum CodingKeys: String, CodingKey {
        case address, port, user, bootstrapUser, connection, hostKey, capacity, labels
    }

    /// Encodes every field but a default `bootstrapUser` (`root`), so specs written before the field existed
    /// keep their hash (a new field must not redeploy every project of every server).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(port, forKey: .port)
        try container.encode(user, forKey: .user)
        if bootstrapUser != "root" { try container.encode(bootstrapUser, forKey: .bootstrapUser) }
        try container.encode(connection, forKey: .connection)
        try container.encodeIfPresent(hostKey, forKey: .hostKey)
        try container.encode(capacity, forKey: .capacity)
        try container.encode(labels, forKey: .labels)
    }

    /// Decodes a spec; `bootstrapUser` may be absent (the default, or a spec stored before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            address: try container.decode(String.self, forKey: .address),
            port: try container.decode(Int.self, forKey: .port),
            user: try container.decode(String.self, forKey: .user),
            bootstrapUser: try container.decodeIfPresent(String.self, forKey: .bootstrapUser) ?? "root",
            connection: try container.decode(Connection.self, forKey: .connection),
            hostKey: try container.decodeIfPresent(String.self, forKey: .hostKey),
            capacity: try container.decode(Capacity.self, forKey: .capacity),
            labels: try container.decode([String: String].self, forKey: .labels))
    }
}

/// An inclusive port range written `"8000-8999"` (or a single port `"8080"`).
public struct PortRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int

    public init(lower: Int, upper: Int) {
        self.lower = lower
        self.upper = upper
    }

    /// Parses `"A-B"` or `"A"`; nil when malformed, out of 1…65535 or reversed.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let numbers = parts.map { part -> Int? in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigit), trimmed.count <= 5 else { return nil }
            return Int(trimmed)
        }
        guard let lower = numbers.first ?? nil, let upper = numbers.last ?? nil else { return nil }
        guard (1...65535).contains(lower), (1...65535).contains(upper), lower <= upper else { return nil }
        self.init(lower: lower, upper: upper)
    }

    public var count: Int { upper - lower + 1 }
    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let range = PortRange(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad port range \(text)"))
        }
        self = range
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
