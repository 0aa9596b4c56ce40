import Glibc

/// glibc functions that Swift's Glibc module does not import (they are declared only under
/// `_GNU_SOURCE`), resolved once from the C library at run time.
///
/// Debian 12 has glibc 2.36; `posix_spawn_file_actions_addclosefrom_np` needs 2.34,
/// `posix_spawn_file_actions_addchdir_np` 2.29.
enum GNUExtensions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32

    /// The resolved functions, or the names of those the C library lacks.
    struct Functions: @unchecked Sendable {
        var pipe2: Pipe2
        var addCloseFrom: AddCloseFrom
        var addChdir: AddChdir
    }

    /// Thrown when the C library is older than the runner needs.
    struct Missing: Error, CustomStringConvertible, Sendable {
        var names: [String]
        var description: String {
            "the C library lacks \(names.joined(separator: ", ")) (glibc 2.34 or newer is needed)"
        }
    }

    static let functions: Result<Functions, Missing> = {
        let library = dlopen(nil, RTLD_NOW)
        var missing: [String] = []
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let address = dlsym(library, name) else {
                missing.append(name)
                return nil
            }
            return unsafeBitCast(address, to: type)
        }
        let pipe2 = symbol("pipe2", as: Pipe2.self)
        let addCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
        let addChdir = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
        guard let pipe2, let addCloseFrom, let addChdir else { return .failure(Missing(names: missing)) }
        return .success(Functions(pipe2: pipe2, addCloseFrom: addCloseFrom, addChdir: addChdir))
    }()
}
