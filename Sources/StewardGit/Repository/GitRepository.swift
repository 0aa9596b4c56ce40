import CLibGit2
import Foundation

/// One open libgit2 repository (`git_repository`): opened or created by the factory methods, freed on deinit.
///
/// Not `Sendable`: a libgit2 repository handle must not be used from two threads at once, so owners
/// serialize access (see `GitConfigSource`).
public final class GitRepository {
    let handle: OpaquePointer
    /// The repository directory (the git directory itself for a bare repository).
    public let path: String

    init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit {
        git_repository_free(handle)
    }

    /// Opens the repository at exactly `directory` (parent directories are not searched).
    /// - Throws: `GitError` (`.library`) when there is no repository there.
    public static func open(at directory: URL) throws -> GitRepository {
        try GitLibrary.ensureInitialized()
        var handle: OpaquePointer?
        let flags = GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        try gitCheck(
            git_repository_open_ext(&handle, directory.path, flags, nil),
            "open repository \(directory.path)"
        )
        return GitRepository(handle: handle!, path: directory.path)
    }

    /// Creates an empty bare repository at `directory` (parents included) and opens it.
    public static func createBare(at directory: URL) throws -> GitRepository {
        try GitLibrary.ensureInitialized()
        var handle: OpaquePointer?
        try gitCheck(git_repository_init(&handle, directory.path, 1), "create bare repository \(directory.path)")
        return GitRepository(handle: handle!, path: directory.path)
    }

    /// Whether the repository has no working tree.
    public var isBare: Bool {
        git_repository_is_bare(handle) == 1
    }
}

@available(*, unavailable)
extension GitRepository: Sendable {}

extension GitRepository {
    /// The value of config key `name` (exact, e.g. `remote.origin.url`), or nil when it is not set.
    func configString(_ name: String) throws -> String? {
        var config: OpaquePointer?
        try gitCheck(git_repository_config_snapshot(&config, handle), "read the config of \(path)")
        defer { git_config_free(config) }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard try gitCheck(git_config_get_string_buf(&buffer, config, name), "read \(name) of \(path)", absent: [GIT_ENOTFOUND])
        else { return nil }
        return String(cString: buffer.ptr)
    }
}
