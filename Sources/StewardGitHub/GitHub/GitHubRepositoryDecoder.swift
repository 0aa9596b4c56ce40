import Foundation
import StewardCore

/// GitHub's repository object: the documented fields Steward reads (REST `repos` responses).
struct GitHubRepositoryObject: Decodable {
    struct Owner: Decodable {
        var login: String
    }

    var id: Int64
    var name: String
    var owner: Owner
    var `private`: Bool?
    var archived: Bool?
    var default_branch: String?
    var clone_url: String
    var html_url: String?
    var description: String?

    var forgeRepository: ForgeRepository {
        ForgeRepository(
            id: id, owner: owner.login, name: name, defaultBranch: default_branch ?? "main", archived: archived ?? false,
            isPrivate: `private` ?? true, cloneURL: clone_url, htmlURL: html_url, description: description)
    }
}

/// Decodes responses, turning any shape problem into a `GitHubError` that names the request and the field.
struct GitHubResponseDecoder {
    let request: String

    func decode<T: Decodable>(_ type: T.Type, from body: Data, status: Int) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw GitHubError(request: request, status: status, problem: Self.explain(error, body: body))
        } catch {
            throw GitHubError(request: request, status: status, problem: "unreadable body: \(error)")
        }
    }

    /// `item 3: field "id": expected Int64, found a string`, or what the body looked like when it is not JSON.
    static func explain(_ error: DecodingError, body: Data) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let parts = keys.map { key in key.intValue.map { "item \($0)" } ?? "field \"\(key.stringValue)\"" }
            return parts.isEmpty ? "the body" : parts.joined(separator: ", ")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type), \(context.debugDescription.lowercasedFirst)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let start = String(decoding: body.prefix(40), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            let what = start.trimmingCharacters(in: .whitespaces).hasPrefix("<") ? "an HTML page" : "not valid JSON"
            return "the body is \(what) (\(body.count) bytes, starting \"\(start)\")"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension String {
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
