import CLibGit2

extension GitLibrary {
    /// The libgit2 this process runs with (the shared library's own answer, not the headers it was built
    /// against): "1.5.1". `steward version` prints it.
    public static var runtimeVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
