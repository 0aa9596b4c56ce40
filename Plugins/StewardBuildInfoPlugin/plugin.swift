import Foundation
import PackagePlugin

/// Runs `scripts/build-info.sh` before every build: it writes the version, commit and build date that
/// `steward version` prints into the StewardBuildInfo target (docs/ARCHITECTURE.md, "Packaging").
/// A prebuild command may run only programs that are not built from source: it runs `/bin/sh`.
@main
struct StewardBuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "scripts/build-info.sh")
        var environment: [String: String] = [:]
        // The toolchain's `swiftc` (for the Swift version) is found on the PATH the build runs with.
        if let path = ProcessInfo.processInfo.environment["PATH"] { environment["PATH"] = path }
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] { environment["SOURCE_DATE_EPOCH"] = epoch }
        return [
            .prebuildCommand(
                displayName: "Steward build info (version, commit, build date)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, context.package.directoryURL.path, output.path],
                environment: environment,
                outputFilesDirectory: output
            )
        ]
    }
}
