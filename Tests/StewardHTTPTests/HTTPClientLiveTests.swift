import Foundation
import Testing

@testable import StewardHTTP

/// The real client against `ScriptedHTTPServer` on loopback.
///
/// Serialized: the proxy test sets `http_proxy` in this process's environment, which libcurl reads with
/// getenv during every transfer; no other transfer of this suite may run meanwhile.
@Suite(.serialized)
struct HTTPClientLiveTests {
    /// The wall clock the client sees in these tests.
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
}

/// A client whose sleeps and events are recorded, and whose clock is `HTTPClientLiveTests.now`.
struct ClientFixture {
    let sleeps = Recorder<Duration>()
    let events = Recorder<HTTPEvent>()
    let client: HTTPClient

    init(_ configure: (inout HTTPClient.Configuration) -> Void = { _ in }) throws {
        var configuration = HTTPClient.Configuration(
            sleep: sleeps.sleep,
            now: { HTTPClientLiveTests.now },
            onEvent: { [events] in events.record($0) }
        )
        configure(&configuration)
        client = try HTTPClient(configuration: configuration)
    }

    /// Sends `request`.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await client.send(request)
    }

    /// Sends a GET for `url`.
    func get(_ url: URL, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(url: url, headers: headers))
    }

    /// The error `request` fails with; records an issue and returns nil when it succeeds.
    func failure(of request: HTTPRequest, sourceLocation: SourceLocation = #_sourceLocation) async -> HTTPError? {
        do {
            let response = try await client.send(request)
            Issue.record("expected an HTTPError, got \(response)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The recorded sleeps in seconds.
    var sleepSeconds: [Double] {
        sleeps.values.map(\.seconds)
    }
}
