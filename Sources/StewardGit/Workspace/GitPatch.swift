import CLibGit2
import Foundation

/// Applies a unified diff (`git diff` format, as a model writes it) to the files of a plain directory with
/// libgit2's own patch engine: every hunk must match, or nothing is changed.
public enum GitPatch {
    /// Applies `diff` to `directory` (a worktree without `.git`).
    /// - Returns: the paths the diff touches, sorted.
    /// - Throws: `GitError` with libgit2's message when the diff does not parse or does not apply.
    public static func apply(_ diff: String, to directory: URL) throws -> [String] {
        try GitLibrary.ensureInitialized()
        let gitDirectory = directory.appendingPathComponent(".git")
        guard !FileManager.default.fileExists(atPath: gitDirectory.path) else {
            throw GitError(code: .notARepository, operation: "apply a patch to \(directory.path)",
                message: "the directory already holds a .git; patches are applied to plain worktrees")
        }
        // A throwaway repository around the files, so libgit2 can read the preimage and check the result out.
        defer { try? FileManager.default.removeItem(at: gitDirectory) }
        var repository: OpaquePointer?
        try gitCheck(git_repository_init(&repository, directory.path, 0), "prepare \(directory.path) for a patch")
        defer { git_repository_free(repository) }
        var index: OpaquePointer?
        try gitCheck(git_repository_index(&index, repository), "open the index of \(directory.path)")
        defer { git_index_free(index) }
        var pattern = strdup("*")
        defer { free(pattern) }
        var paths = git_strarray(strings: &pattern, count: 1)
        try gitCheck(git_index_add_all(index, &paths, 0, nil, nil), "stage the files of \(directory.path)")
        try gitCheck(git_index_write(index), "write the index of \(directory.path)")

        var parsed: OpaquePointer?
        let bytes = Array(diff.utf8)
        try gitCheck(git_diff_from_buffer(&parsed, bytes, bytes.count), "parse the patch")
        defer { git_diff_free(parsed) }
        var touched: [String] = []
        for number in 0..<git_diff_num_deltas(parsed) {
            guard let delta = git_diff_get_delta(parsed, number) else { continue }
            let file = delta.pointee.new_file.path ?? delta.pointee.old_file.path
            if let file { touched.append(String(cString: file)) }
        }
        try gitCheck(git_apply(repository, parsed, GIT_APPLY_LOCATION_BOTH, nil), "apply the patch to \(directory.path)")
        return touched.sorted()
    }
}
