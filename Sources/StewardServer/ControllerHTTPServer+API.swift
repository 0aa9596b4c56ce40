import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import StewardCore
import StewardModel

/// The read-only API (`/api/v1`, docs/ARCHITECTURE.md §10): the state as `steward get -o json` shows it, described
/// by `OpenAPIDocument`. Writes stay in git (and in the CLI for secrets and answers).
extension ControllerHTTPServer {
    func addAPI(to router: Router<BasicRequestContext>) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        api.get("projects") { request, _ in
            if let refusal = authorize(request) { return refusal }
            do {
                var body = Data("[".utf8)
                for json in try await projectList.values(from: apiStore) {
                    if body.count > 1 { body.append(UInt8(ascii: ",")) }
                    body.append(json)
                }
                body.append(UInt8(ascii: "]"))
                return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            } catch {
                return APIError.internal("\(error)").response
            }
        }
        api.get("projects/:name") { request, context in
            try await respond(request) {
                let name = try context.parameters.require("name")
                guard let project = try await apiStore.project(named: name) else { throw APIError.notFound("no project named \(name)") }
                return ProjectDetail(
                    project: project, health: try await apiStore.healthCheck(project: name),
                    runs: try await apiStore.runs(project: name, limit: 5))
            }
        }
        api.get("projects/:name/events") { request, context in
            try await respond(request) {
                let name = try context.parameters.require("name")
                guard try await apiStore.project(named: name) != nil else { throw APIError.notFound("no project named \(name)") }
                return try await apiStore.events(objectKind: "Project", objectName: name, limit: try limit(request, default: 100))
            }
        }
        api.get("servers") { request, _ in
            try await respond(request) { try await apiStore.servers() }
        }
        api.get("servers/:name") { request, context in
            try await respond(request) {
                let name = try context.parameters.require("name")
                guard let server = try await apiStore.server(named: name) else { throw APIError.notFound("no server named \(name)") }
                return server
            }
        }
        api.get("incidents") { request, _ in
            try await respond(request) {
                let status = request.uri.queryParameters.get("status")
                let all = try await apiStore.incidents(openOnly: status == "open")
                switch status {
                case nil, "open", "all": return all
                case let value? where IncidentRecord.Status(rawValue: value) != nil: return all.filter { $0.status.rawValue == value }
                case let value?:
                    throw APIError.badRequest("status must be open, all, detected, recovering, resolved or failed, not \(value)")
                }
            }
        }
        api.get("runs/:id") { request, context in
            try await respond(request) {
                guard let id = Int64(try context.parameters.require("id")), id > 0 else {
                    throw APIError.badRequest("a run id is a positive integer")
                }
                guard let run = try await apiStore.run(id: id) else { throw APIError.notFound("no run with id \(id)") }
                return run
            }
        }
        api.get("journal") { request, _ in
            if let refusal = authorize(request) { return refusal }
            let since: Int64?
            let query: JournalQuery
            do {
                // An EventSource that reconnects sends the last id it saw.
                let lastEventID = request.headers[Self.lastEventIDHeader]
                since = try (lastEventID ?? request.uri.queryParameters.get("since")).map { text in
                    guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("since must be a journal id (0 or more)") }
                    return value
                }
                query = try journalQuery(request)
            } catch let error as APIError {
                return error.response
            }
            guard request.uri.queryParameters.get("follow") == "true" else {
                return try await respond(request) {
                    try await apiStore.journal(after: since, matching: query, limit: try limit(request, default: 1000))
                }
            }
            return follow(after: since, matching: query)
        }
        // Anything else under /api/v1 is a JSON 404, as the document says of every API error.
        api.get("**") { request, _ in
            authorize(request) ?? APIError.notFound("no such API path: \(request.uri.path)").response
        }
    }

    /// Server-Sent Events: each journal line after `since` as `id: N` and `data: JSON`, new ones as they are
    /// written (read every 500 ms), until the client goes or the controller stops.
    private func follow(after since: Int64?, matching query: JournalQuery) -> Response {
        let store = apiStore
        let body = ResponseBody { writer in
            var last = since
            // Without `since`, only lines written from now on (the newest line of any kind marks "now").
            if last == nil { last = try await store.journalTail(matching: JournalQuery(), limit: 1).last?.id ?? 0 }
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let entries = try await store.journal(after: last, matching: query, limit: 500)
                for entry in entries {
                    let data = String(decoding: try APIJSON.encoder.encode(entry), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "id: \(entry.id ?? 0)\ndata: \(data)\n\n"))
                    last = entry.id ?? last
                }
                if entries.isEmpty {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!

    /// `?project=`, `?server=` and `?level=` (that level and above) of `/journal`.
    private func journalQuery(_ request: Request) throws -> JournalQuery {
        let parameters = request.uri.queryParameters
        var query = JournalQuery(project: parameters.get("project"), server: parameters.get("server"))
        if let level = parameters.get("level") {
            guard let value = JournalEntry.Level(rawValue: level) else {
                throw APIError.badRequest("level must be one of \(JournalEntry.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.minimumLevel = value
        }
        return query
    }

    private func limit(_ request: Request, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return value }
        guard let limit = Int(text), (1...10_000).contains(limit) else { throw APIError.badRequest("limit must be 1 to 10000") }
        return limit
    }

    /// Authorizes, runs `body` and encodes what it returns as JSON; an `APIError` becomes its status with
    /// `{"error": MESSAGE}`, any other error a 500 with its description.
    private func respond<T: Encodable>(_ request: Request, _ body: () async throws -> T) async throws -> Response {
        if let refusal = authorize(request) { return refusal }
        do {
            let value = try await body()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try APIJSON.encoder.encode(value))))
        } catch let error as APIError {
            return error.response
        } catch {
            return APIError.internal("\(error)").response
        }
    }
}

/// `GET /api/v1/projects/{name}`: the record as `get projects -o json` shows it, its last health check and its
/// last 5 Ansible runs with their tasks.
struct ProjectDetail: Encodable {
    var project: ProjectRecord
    var health: HealthCheckRecord?
    var runs: [RunRecord]
}

/// An API refusal: its status and `{"error": MESSAGE}`.
enum APIError: Error {
    case notFound(String)
    case badRequest(String)
    case methodNotAllowed(String)
    case `internal`(String)

    var response: Response {
        let (status, message): (HTTPResponse.Status, String) = switch self {
        case .notFound(let message): (.notFound, message)
        case .badRequest(let message): (.badRequest, message)
        case .methodNotAllowed(let message): (.methodNotAllowed, message)
        case .internal(let message): (.internalServerError, message)
        }
        let body = (try? APIJSON.encoder.encode(["error": message])) ?? Data(#"{"error":"unencodable"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The JSON of the API: `steward get -o json`'s (sorted keys, ISO 8601 dates), on one line.
enum APIJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
