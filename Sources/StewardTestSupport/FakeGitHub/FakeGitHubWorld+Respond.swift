import Foundation

extension FakeGitHubWorld {
    /// Answers one request: faults first, then routing, then ETag/304, quota and headers; logs it.
    mutating func respond(to request: FakeHTTPRequest, now: Date) -> FakeHTTPReply {
        refreshQuota(now: now)
        requestCounter += 1
        let fault = takeFault(for: request)
        let authorization = request.header("authorization")
        var record = FakeGitHubRequest(
            method: request.method, path: request.path, queryItems: request.queryItems,
            hadAuthorization: authorization != nil,
            authorizationScheme: authorization.flatMap { $0.split(separator: " ").first.map(String.init) },
            ifNoneMatch: request.header("if-none-match"), status: nil, etag: nil, countedAgainstRateLimit: false,
            rateLimitRemaining: quota.remaining, fault: fault, connectionID: request.connectionID, date: now
        )

        switch fault {
        case .closeConnection:
            var reply = FakeHTTPReply(status: 0)
            reply.delivery = .closeWithoutAnswer
            log.append(record)
            return reply
        case let .status(code, body):
            let reply = faultReply(status: code, body: body, now: now)
            record.status = code
            log.append(record)
            return reply
        default:
            break
        }

        let damaging = fault?.damagesRealAnswer == true
        // Damage needs objects to edit; otherwise cached repository bytes make big pages cheap.
        var answer = route(request, now: now, structured: damaging)
        if let json = answer.json, let fault {
            answer.json = Self.damage(json, with: fault)
        }
        var body = answer.json?.serialized() ?? answer.raw?.bytes ?? []
        var etag: String?
        let isRead = request.method == "GET" || request.method == "HEAD"
        if isRead, answer.status == 200, answer.json != nil || answer.raw != nil {
            let strong = "\"\(FakeGitHubEncoding.entityTag(of: body))\""
            etag = answer.isList ? "W/\(strong)" : strong
            if !damaging, let wanted = request.header("if-none-match"), let tag = etag,
               FakeGitHubEncoding.ifNoneMatch(wanted, matches: tag)
            {
                answer.status = 304
                body = []
                // GitHub: a 304 costs nothing when the request was correctly authorized.
                if answer.viewer != .anonymous { answer.counts = false }
            }
        }
        if answer.counts { quota.remaining = max(0, quota.remaining - 1) }

        var headers = standardHeaders(now: now)
        if answer.json != nil, answer.status != 304 { headers.append(("content-type", "application/json; charset=utf-8")) }
        if let raw = answer.raw, answer.status != 304 { headers.append(("content-type", raw.contentType)) }
        if isRead, answer.status == 200 || answer.status == 304 {
            headers.append(("cache-control", "private, max-age=60, s-maxage=60"))
            headers.append(("vary", "Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With"))
        }
        if let etag { headers.append(("etag", etag)) }
        if let link = answer.link, answer.status != 304 || configuration.linkHeaderOnNotModified {
            headers.append(("link", link))
        }
        headers += answer.headers
        headers += rateLimitHeaders()
        headers.append(("x-github-media-type", "github.v3; format=json"))

        var reply = FakeHTTPReply(status: answer.status, headers: headers, body: body)
        switch fault {
        case .malformedJSON:
            let half = body.count / 2
            reply.body = half > 0 ? Array(body.prefix(half)) : Array("{\"message\":".utf8)
        case .truncatedBody:
            reply.delivery = .truncated(sentBodyBytes: body.count / 2)
        case let .delay(seconds):
            reply.delay = seconds
        default:
            break
        }

        record.status = answer.status
        record.etag = etag
        record.countedAgainstRateLimit = answer.counts
        record.rateLimitRemaining = quota.remaining
        log.append(record)
        return reply
    }

    /// Headers GitHub puts on every API answer, minus the rate-limit ones.
    private func standardHeaders(now: Date) -> [(String, String)] {
        let id = String(requestCounter, radix: 16, uppercase: true)
        return [
            ("server", "github.com"),
            ("date", FakeGitHubEncoding.httpDate(now)),
            ("x-github-api-version-selected", "2022-11-28"),
            ("x-github-request-id", "FA6E:\(id):\(id)C:\(id)D:\(id)E"),
        ]
    }

    func rateLimitHeaders() -> [(String, String)] {
        [
            ("x-ratelimit-limit", String(quota.limit)),
            ("x-ratelimit-remaining", String(quota.remaining)),
            ("x-ratelimit-reset", String(Int64(quota.reset.timeIntervalSince1970.rounded(.down)))),
            ("x-ratelimit-used", String(quota.used)),
            ("x-ratelimit-resource", "core"),
        ]
    }

    /// An injected error status. JSON and empty bodies come "from the API" (rate-limit headers, nothing
    /// counted); an HTML page comes "from a proxy or the front end" and carries no API headers at all.
    private func faultReply(status: Int, body: FakeGitHubFault.Body, now: Date) -> FakeHTTPReply {
        switch body {
        case .html:
            let page = """
            <!DOCTYPE html>
            <html>
              <head>
                <meta http-equiv="Content-Type" content="text/html; charset=utf-8">
                <title>Unicorn! &middot; GitHub</title>
              </head>
              <body>
                <p>No server is currently available to service your request.</p>
                <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>
              </body>
            </html>

            """
            return FakeHTTPReply(
                status: status,
                headers: [("server", "github.com"), ("date", FakeGitHubEncoding.httpDate(now)), ("content-type", "text/html; charset=utf-8")],
                body: Array(page.utf8)
            )
        case .json, .empty:
            var headers = standardHeaders(now: now) + rateLimitHeaders()
            var bytes: [UInt8] = []
            if body == .json {
                let message: String
                switch status {
                case 500: message = "Server Error"
                case 502: message = "Bad Gateway"
                case 503: message = "Service Unavailable"
                case 504: message = "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists."
                default: message = FakeHTTPReply.reason(for: status)
                }
                bytes = FakeGitHubShapes.error(message, status: status).serialized()
                headers.append(("content-type", "application/json; charset=utf-8"))
            }
            return FakeHTTPReply(status: status, headers: headers, body: bytes)
        }
    }

    /// Applies `wrongFieldType`/`missingFields` to every object of the answer (top level or list items).
    static func damage(_ json: FakeJSON, with fault: FakeGitHubFault) -> FakeJSON {
        func spoil(_ object: FakeJSON) -> FakeJSON {
            guard case let .object(pairs) = object else { return object }
            switch fault {
            case let .wrongFieldType(field):
                return .object(pairs.map { key, value in
                    guard key == field else { return (key, value) }
                    switch value {
                    case let .int(number): return (key, .string(String(number)))
                    case let .bool(flag): return (key, .string(String(flag)))
                    case .string: return (key, .int(12345))
                    case .null: return (key, .int(0))
                    case .array, .object, .serialized: return (key, .string("unexpected"))
                    }
                })
            case let .missingFields(fields):
                return .object(pairs.filter { !fields.contains($0.0) })
            default:
                return object
            }
        }
        if case let .array(items) = json { return .array(items.map(spoil)) }
        return spoil(json)
    }
}
