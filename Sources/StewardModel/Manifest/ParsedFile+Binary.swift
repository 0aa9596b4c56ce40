import Foundation

/// The parsed-manifest cache format. Bump `ManifestParser.version` (or `formatVersion`) when a field is added.
extension ParsedFile {
    static let formatVersion = 3

    /// Compact binary encoding for the parse cache.
    public func binaryEncoded() -> Data {
        var writer = BinaryWriter()
        writer.int(Self.formatVersion)
        writer.array(projects) { writer, project in
            writer.metadata(project.metadata)
            writer.location(project.location)
            writer.int(project.fieldLocations.count)
            for key in project.fieldLocations.keys.sorted() {
                writer.string(key)
                writer.location(project.fieldLocations[key]!)
            }
            writer.string(project.specHash)
            let spec = project.spec
            writer.string(spec.repo)
            writer.optional(spec.brief) { $0.string($1) }
            writer.array(spec.changes) { writer, change in
                writer.string(change.id)
                writer.string(change.description)
            }
            writer.string(spec.stage.rawValue)
            writer.string(spec.ref)
            writer.optional(spec.server) { $0.string($1) }
            writer.int(spec.resources.memoryMB)
            writer.int(spec.resources.ports)
            writer.string(spec.deploy.playbook)
            writer.string(spec.deploy.strategy.rawValue)
            writer.string(spec.deploy.healthPath)
            writer.optional(spec.deploy.command) { $0.string($1) }
            writer.optional(spec.env) { $0.string($1) }
            writer.bool(spec.suspend)
            writer.optional(spec.agents) { $0.string($1.write.rawValue) }
            writer.optional(spec.dependsOn) { writer, names in writer.array(names) { $0.string($1) } }
            writer.optional(spec.selfHeal) { $0.bool($1) }
        }
        writer.array(servers) { writer, server in
            writer.metadata(server.metadata)
            writer.location(server.location)
            writer.string(server.specHash)
            let spec = server.spec
            writer.string(spec.address)
            writer.int(spec.port)
            writer.string(spec.user)
            writer.string(spec.bootstrapUser)
            writer.string(spec.connection.rawValue)
            writer.optional(spec.hostKey) { $0.string($1) }
            writer.int(spec.capacity.memoryMB)
            writer.int(spec.capacity.ports.lower)
            writer.int(spec.capacity.ports.upper)
            writer.stringMap(spec.labels)
        }
        // Settings are one small document per repo: JSON keeps this codec from tracking every field.
        writer.optional(settings) { writer, settings in
            writer.string(String(decoding: CanonicalJSON.encode(settings), as: UTF8.self))
        }
        writer.array(diagnostics) { writer, diagnostic in
            writer.location(diagnostic.location)
            writer.string(diagnostic.severity.rawValue)
            writer.string(diagnostic.message)
        }
        return writer.data
    }

    /// Decodes `binaryEncoded()` output. - Throws: `BinaryReader.Malformed` for anything else.
    public init(binary data: Data) throws {
        var reader = BinaryReader(data)
        guard try reader.int() == Self.formatVersion else { throw BinaryReader.Malformed() }
        let projects = try reader.array { reader -> ProjectManifest in
            let metadata = try reader.metadata()
            let location = try reader.location()
            var fieldLocations: [String: SourceLocation] = [:]
            for _ in 0..<(try reader.int()) {
                let key = try reader.string()
                fieldLocations[key] = try reader.location()
            }
            let specHash = try reader.string()
            var spec = ProjectSpec(repo: try reader.string())
            spec.brief = try reader.optional { try $0.string() }
            spec.changes = try reader.array { ProjectSpec.Change(id: try $0.string(), description: try $0.string()) }
            spec.stage = try reader.choice(ProjectSpec.Stage.self)
            spec.ref = try reader.string()
            spec.server = try reader.optional { try $0.string() }
            spec.resources = ProjectSpec.Resources(memoryMB: try reader.int(), ports: try reader.int())
            spec.deploy = ProjectSpec.Deploy(
                playbook: try reader.string(), strategy: try reader.choice(ProjectSpec.Deploy.Strategy.self),
                healthPath: try reader.string(), command: try reader.optional { try $0.string() })
            spec.env = try reader.optional { try $0.string() }
            spec.suspend = try reader.bool()
            spec.agents = try reader.optional { ProjectSpec.Agents(write: try $0.choice(ProjectSpec.Agents.Write.self)) }
            spec.dependsOn = try reader.optional { reader in try reader.array { try $0.string() } }
            spec.selfHeal = try reader.optional { try $0.bool() }
            return ProjectManifest(
                metadata: metadata, spec: spec, location: location, fieldLocations: fieldLocations, specHash: specHash)
        }
        let servers = try reader.array { reader -> ServerManifest in
            let metadata = try reader.metadata()
            let location = try reader.location()
            let specHash = try reader.string()
            let spec = ServerSpec(
                address: try reader.string(), port: try reader.int(), user: try reader.string(),
                bootstrapUser: try reader.string(), connection: try reader.choice(ServerSpec.Connection.self), hostKey: try reader.optional { try $0.string() },
                capacity: ServerSpec.Capacity(
                    memoryMB: try reader.int(), ports: PortRange(lower: try reader.int(), upper: try reader.int())),
                labels: try reader.stringMap())
            return ServerManifest(metadata: metadata, spec: spec, location: location, specHash: specHash)
        }
        let settings = try reader.optional { reader in
            try JSONDecoder().decode(Settings.self, from: Data(try reader.string().utf8))
        }
        let diagnostics = try reader.array { reader in
            let location = try reader.location()
            let severity = try reader.choice(Diagnostic.Severity.self)
            return Diagnostic(severity, at: location, try reader.string())
        }
        guard reader.isAtEnd else { throw BinaryReader.Malformed() }
        self.init(projects: projects, servers: servers, settings: settings, diagnostics: diagnostics)
    }
}

extension BinaryWriter {
    fileprivate mutating func metadata(_ metadata: Metadata) {
        string(metadata.name)
        stringMap(metadata.labels)
    }

    fileprivate mutating func location(_ location: SourceLocation) {
        string(location.file)
        int(location.line)
        int(location.column)
    }
}

extension BinaryReader {
    fileprivate mutating func metadata() throws -> Metadata {
        Metadata(name: try string(), labels: try stringMap())
    }

    fileprivate mutating func location() throws -> SourceLocation {
        SourceLocation(file: try string(), line: try int(), column: try int())
    }
}
