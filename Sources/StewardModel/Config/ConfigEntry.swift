/// One file in a config repo snapshot (a git tree or a directory), without its contents.
///
/// Contents are read separately by blob id, so an unchanged file is never read or parsed twice.
public struct ConfigEntry: Sendable, Hashable, Codable {
    /// What the entry is in the tree.
    public enum Kind: String, Sendable, Hashable, Codable {
        case file
        case executable
        case symlink
        /// A git submodule (a gitlink, or a nested checkout with its own `.git` in a directory source): its
        /// files live in another repository and are never read. `blobID` is its commit where known.
        case submodule
    }

    /// Path relative to the repo root, `/`-separated, no leading `./`.
    public var path: String
    /// Git blob id (hex) of the contents; for a directory source, a content hash computed the same way.
    public var blobID: String
    /// Size of the contents in bytes.
    public var size: Int
    public var kind: Kind
    /// For symlinks: the link target as stored (relative or absolute).
    public var symlinkTarget: String?

    public init(path: String, blobID: String, size: Int, kind: Kind = .file, symlinkTarget: String? = nil) {
        self.path = path
        self.blobID = blobID
        self.size = size
        self.kind = kind
        self.symlinkTarget = symlinkTarget
    }
}
