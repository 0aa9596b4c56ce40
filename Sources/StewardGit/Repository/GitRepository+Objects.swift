import CLibGit2
import Foundation
import StewardModel

extension GitRepository {
    /// Every file of `commit`'s tree, recursively, without reading file contents (symlink targets excepted).
    ///
    /// Paths are relative to the repository root and `/`-separated. Submodules (gitlinks) are skipped, their
    /// contents are not in this repository, unless `includingSubmodules` lists them as `.submodule` entries.
    public func entries(ofCommit commit: GitObjectID, includingSubmodules: Bool = false) throws -> [ConfigEntry] {
        var commitOID = try commit.oid()
        var commitHandle: OpaquePointer?
        try gitCheck(git_commit_lookup(&commitHandle, handle, &commitOID), "look up commit \(commit) in \(path)")
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        try gitCheck(git_commit_tree(&tree, commitHandle), "read the tree of commit \(commit) in \(path)")
        defer { git_tree_free(tree) }
        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, handle), "open the object database of \(path)")
        defer { git_odb_free(odb) }

        var entries: [ConfigEntry] = []
        try appendEntries(of: tree!, prefix: "", odb: odb!, includingSubmodules: includingSubmodules, to: &entries)
        return entries
    }

    /// The contents of a blob.
    /// - Throws: when there is no blob with that id.
    public func blobContents(_ id: GitObjectID) throws -> Data {
        var oid = try id.oid()
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, handle, &oid), "read blob \(id) in \(path)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let bytes = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The size in bytes of an object, read from its header without inflating its contents.
    public func objectSize(_ id: GitObjectID) throws -> Int {
        var oid = try id.oid()
        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, handle), "open the object database of \(path)")
        defer { git_odb_free(odb) }
        return try objectSize(&oid, odb: odb!, path: id.hex)
    }

    private func objectSize(_ oid: UnsafePointer<git_oid>, odb: OpaquePointer, path: String) throws -> Int {
        var size = 0
        var type = GIT_OBJECT_ANY
        try gitCheck(git_odb_read_header(&size, &type, odb, oid), "read the header of \(path) in \(self.path)")
        return size
    }

    private func appendEntries(
        of tree: OpaquePointer,
        prefix: String,
        odb: OpaquePointer,
        includingSubmodules: Bool,
        to entries: inout [ConfigEntry]
    ) throws {
        for index in 0..<git_tree_entrycount(tree) {
            // Non-nil for every index below the entry count.
            let entry = git_tree_entry_byindex(tree, index)!
            let oid = git_tree_entry_id(entry)!
            let path = prefix + String(cString: git_tree_entry_name(entry))
            let kind: ConfigEntry.Kind
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE:
                var subtree: OpaquePointer?
                try gitCheck(git_tree_lookup(&subtree, handle, oid), "read tree \(path) in \(self.path)")
                defer { git_tree_free(subtree) }
                try appendEntries(
                    of: subtree!, prefix: path + "/", odb: odb, includingSubmodules: includingSubmodules, to: &entries)
                continue
            case GIT_FILEMODE_BLOB_EXECUTABLE:
                kind = .executable
            case GIT_FILEMODE_LINK:
                kind = .symlink
            case GIT_FILEMODE_BLOB:
                kind = .file
            case GIT_FILEMODE_COMMIT:
                // A submodule, whose files live in another repository.
                if includingSubmodules {
                    entries.append(ConfigEntry(path: path, blobID: GitObjectID(oid.pointee).hex, size: 0, kind: .submodule))
                }
                continue
            default:
                continue
            }
            let id = GitObjectID(oid.pointee)
            if kind == .symlink {
                let target = try blobContents(id)
                entries.append(ConfigEntry(
                    path: path,
                    blobID: id.hex,
                    size: target.count,
                    kind: .symlink,
                    symlinkTarget: String(decoding: target, as: UTF8.self)
                ))
            } else {
                let size = try objectSize(oid, odb: odb, path: path)
                entries.append(ConfigEntry(path: path, blobID: id.hex, size: size, kind: kind))
            }
        }
    }
}
