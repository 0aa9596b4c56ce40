import Foundation

/// A failure of a git operation: what Steward was doing, and why it failed.
///
/// Library failures carry libgit2's own message and return code; the other codes are Steward's own
/// checks (an unknown ref, a URL with credentials in it, a cache directory that belongs to another repo).
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, for code that reacts to specific cases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case library
            case unknownReference
            case credentialsInURL
            case unsupportedURL
            case authentication
            case remoteMismatch
            case notARepository
            case invalidRepositoryName
            case invalidObjectID
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// libgit2 reported an error; `libraryCode` holds its return code.
        public static let library = Code(.library)
        /// The ref is neither a ref name, a branch, a tag nor a commit id of the repository.
        public static let unknownReference = Code(.unknownReference)
        /// The URL embeds a user name or password.
        public static let credentialsInURL = Code(.credentialsInURL)
        /// The URL's scheme (or form) is not one Steward reads.
        public static let unsupportedURL = Code(.unsupportedURL)
        /// The server asked for credentials and none (or wrong ones) were available.
        public static let authentication = Code(.authentication)
        /// The cache directory holds a clone of a different URL.
        public static let remoteMismatch = Code(.remoteMismatch)
        /// A directory that should hold a repository holds something else.
        public static let notARepository = Code(.notARepository)
        /// A forge repository name is not `owner/name` with safe characters.
        public static let invalidRepositoryName = Code(.invalidRepositoryName)
        /// An object id (or a revision without one) cannot be used.
        public static let invalidObjectID = Code(.invalidObjectID)

        /// The code's name, e.g. `unknownReference`.
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What was being done, e.g. `fetch file:///srv/config.git`.
    public let operation: String
    /// Why it failed (libgit2's message for library errors) and, where possible, what to do.
    public let message: String
    /// libgit2's return code (`GIT_ENOTFOUND`, …) for `.library` errors; nil otherwise.
    public let libraryCode: Int32?

    init(code: Code, operation: String, message: String, libraryCode: Int32? = nil) {
        self.code = code
        self.operation = operation
        self.message = message
        self.libraryCode = libraryCode
    }

    /// `operation: message`, e.g. `resolve ref 'main' in /srv/config.git: no branch, tag or commit …`.
    public var description: String { "\(operation): \(message)" }

    /// The same error with every occurrence of `secret` replaced, so a token can never reach a log.
    func redacting(_ secret: String?) -> GitError {
        guard let secret, !secret.isEmpty else { return self }
        return GitError(
            code: code,
            operation: operation.replacingOccurrences(of: secret, with: "<redacted>"),
            message: message.replacingOccurrences(of: secret, with: "<redacted>"),
            libraryCode: libraryCode
        )
    }
}

extension GitError {
    static func unknownReference(_ ref: String, repository: String) -> GitError {
        GitError(
            code: .unknownReference,
            operation: "resolve ref '\(ref)' in \(repository)",
            message: "no branch, tag or commit named '\(ref)' exists there; "
                + "check the ref (a branch, a tag, a full ref name or a commit id of at least 7 hex digits)"
        )
    }
}
