import Foundation
import Testing

@testable import StewardHTTP

struct HTTPClientConfigurationTests {
    @Test func defaults() throws {
        let configuration = HTTPClient.Configuration()

        #expect(configuration.userAgent == "Steward/0.1 (+https://github.com/steward)")
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.totalTimeout == .seconds(30))
        #expect(configuration.maxAttempts == 4)
        #expect(configuration.baseDelay == .milliseconds(500))
        #expect(configuration.maxDelay == .seconds(30))
        #expect(configuration.maxRateLimitWait == .seconds(60))
        #expect(configuration.onEvent == nil)
        _ = try HTTPClient(configuration: configuration)
    }

    @Test(arguments: [
        ("userAgent", "userAgent is empty"), ("maxAttempts", "maxAttempts must be at least 1"),
        ("totalTimeout", "totalTimeout must be positive"), ("maxDelay", "maxDelay must not be less than baseDelay"),
    ])
    func invalidConfigurationsAreRejected(field: String, message: String) {
        var configuration = HTTPClient.Configuration()
        switch field {
        case "userAgent": configuration.userAgent = "  "
        case "maxAttempts": configuration.maxAttempts = 0
        case "totalTimeout": configuration.totalTimeout = .zero
        default: configuration.maxDelay = .milliseconds(100)
        }

        #expect {
            _ = try HTTPClient(configuration: configuration)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
