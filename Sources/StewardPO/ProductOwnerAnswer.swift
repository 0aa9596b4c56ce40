import StewardModel

/// What the PO answers to one message: the text for a person and the facts behind it for machines.
public struct ProductOwnerAnswer: Sendable, Hashable, Codable {
    /// How the message was understood.
    public var intent: Intent
    /// The answer in words.
    public var text: String
    /// Incidents reported now for the first time (each is reported once).
    public var newIncidents: [IncidentRecord]
    /// The project the answer is about, when one.
    public var project: String?
    /// new / update: the config repo commit that carries the change.
    public var commit: String?
    /// new / update: the manifest written.
    public var manifestPath: String?
    /// update: the id given to the change request.
    public var changeID: String?
    /// status / fix: what the store says.
    public var projects: [ProjectStatus]

    public init(
        intent: Intent, text: String, newIncidents: [IncidentRecord] = [], project: String? = nil, commit: String? = nil,
        manifestPath: String? = nil, changeID: String? = nil, projects: [ProjectStatus] = []
    ) {
        self.intent = intent
        self.text = text
        self.newIncidents = newIncidents
        self.project = project
        self.commit = commit
        self.manifestPath = manifestPath
        self.changeID = changeID
        self.projects = projects
    }
}
