import Foundation
import StewardCore
import StewardTestSupport
import Testing

/// Children are spawned with nothing but their own descriptors, fed their input without deadlock, and
/// stopped at their timeout or on cancellation (docs/ARCHITECTURE.md, "Child processes").
struct ChildProcessTests {
    private func launch(_ arguments: [String]) -> ProcessLaunch {
        ProcessLaunch.searchingPath(arguments, environment: ProcessInfo.processInfo.environment, workingDirectory: "/")
    }

    /// Foundation's `Process` closes the parent's descriptors by a list made before the spawn, so a pipe that
    /// another thread opens in between leaks into the child, and that pipe's reader then waits for the child.
    /// That is how a health poller in an integration test saw one answer during a whole reconcile. The same
    /// loop with `Process` spawning the children left such a pipe in 26 of 300 of them.
    @Test func aChildHoldsOnlyItsOwnDescriptorsWhileAnotherThreadOpensPipes() async throws {
        let opener = PipeOpener()
        opener.start()
        defer { opener.stop() }
        let leaks: [String] = try await BlockingWork.run("steward.test.children") {
            var leaks: [String] = []
            for _ in 0..<100 {
                let child = try ProcessGroupChild(launching: launch(["sleep", "86400"]))
                let directory = "/proc/\(child.pid)/fd"
                let descriptors = try FileManager.default.contentsOfDirectory(atPath: directory)
                // Beyond stdin, stdout and stderr, a pipe can only be someone else's (`sleep` opens none; it may
                // open a locale file while this looks).
                for name in descriptors where !["0", "1", "2"].contains(name) {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)")) ?? ""
                    if target.hasPrefix("pipe:") { leaks.append("\(name) -> \(target)") }
                }
                child.cancel()
                let ending = child.supervise(timeout: .seconds(86_400), grace: .zero, onStdout: { _ in }, onStderr: { _ in })
                #expect(ending.stopReason == .cancellation)
            }
            return leaks
        }
        #expect(opener.opened > 0)
        #expect(leaks.isEmpty, "descriptors the children should not have: \(leaks)")
    }

    @Test func inputReachesTheChildWhileItsOutputIsRead() async throws {
        // More than a pipe holds in either direction: writing all of it first would never end.
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let output = try await ProcessGroupChild.run(launch(["cat"]), input: input)
        #expect(output.status == 0)
        #expect(output.stdout == input)
    }

    @Test func aChildThatReadsNoInputStillEnds() async throws {
        let output = try await ProcessGroupChild.run(launch(["sh", "-c", "echo done"]), input: Array(repeating: 7, count: 1 << 20))
        #expect(output.status == 0)
        #expect(output.stdoutText == "done\n")
    }

    @Test func eachOutputKeepsItsLastBytesUpToTheLimit() async throws {
        let output = try await ProcessGroupChild.run(launch(["sh", "-c", "printf 0123456789; printf abc >&2"]), outputLimit: 4)
        #expect(output.stdoutText == "6789")
        #expect(output.stderrText == "abc")
        #expect(output.interleaved.count == 4)
    }

    @Test func aSignalEndsWithTheShellsStatus() async throws {
        let output = try await ProcessGroupChild.run(launch(["sh", "-c", "kill -TERM $$"]))
        #expect(output.termination == .signaled(SIGTERM))
        #expect(output.status == 128 + SIGTERM)
    }

    @Test func aChildPastItsTimeoutIsStoppedWithItsGroup() async throws {
        let directory = try TemporaryDirectory(prefix: "steward-child")
        let marker = directory.path + "/grandchild.pid"
        let child = try ProcessGroupChild(launching: launch(["sh", "-c", "sleep 86400 & echo $! > \(marker).new; mv \(marker).new \(marker); wait"]))
        try await waitUntil("the child started its own child") { FileManager.default.fileExists(atPath: marker) }
        let ending = try await BlockingWork.run("steward.test.timeout") {
            child.supervise(timeout: .zero, grace: .zero, onStdout: { _ in }, onStderr: { _ in })
        }
        #expect(ending.stopReason == .timeout)
        let grandchild = try #require(Int32(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessTable.survivors(ofGroup: child.pid).isEmpty)
        #expect(!ProcessTable.isAlive(grandchild), "the child's own child is gone with its group")
    }

    @Test func cancellingTheTaskStopsTheChild() async throws {
        let task = Task { try await ProcessGroupChild.run(launch(["sleep", "86400"])) }
        task.cancel()
        let output = try await task.value
        #expect(output.stopReason == .cancellation)
    }
}

/// A thread that keeps opening and closing pipes without `O_CLOEXEC`, as Foundation's `Pipe` does.
private final class PipeOpener: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var count = 0
    private var thread: Thread?

    var opened: Int { lock.withLock { count } }

    func start() {
        let thread = Thread { [self] in
            var held: [Int32] = []
            while lock.withLock({ running }) {
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else { continue }
                held += fds
                if held.count > 32 {
                    for fd in held { close(fd) }
                    held = []
                }
                lock.withLock { count += 1 }
            }
            for fd in held { close(fd) }
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(1000) }
    }
}

/// A child spawned with `dieWithParent` does not outlive its parent, even when the parent is SIGKILLed (the
/// whole run is proven with the built binary in QuickstartIntegrationTests).
struct DieWithParentTests {
    private func spawn(_ arguments: [String]) throws -> ProcessGroupChild {
        try ProcessGroupChild(launching: ProcessLaunch.searchingPath(
            arguments, environment: ProcessInfo.processInfo.environment, workingDirectory: "/"))
    }

    private func reap(_ child: ProcessGroupChild, stop: Bool = true) async throws {
        if stop { child.cancel() }
        _ = try await BlockingWork.run("steward.test.reap") {
            child.supervise(timeout: .seconds(86_400), grace: .zero, onStdout: { _ in }, onStderr: { _ in })
        }
    }

    @Test func theWatchdogKillsTheGroupWhenTheParentDiesAndEndsByItselfWithTheGroup() async throws {
        // A group to guard (a shell with a child of its own, as ansible-playbook forks), and a stand-in controller
        // that spawns the watchdog, then is SIGKILLed (and left unreaped: a zombie still answers kill -0).
        let group = try spawn(["sh", "-c", "sleep 86400 & wait"])
        try await waitUntil("the group to have its two members") { ProcessTable.liveMembers(ofGroup: group.pid).count == 2 }
        let parent = try spawn(["sh", "-c", "sh -c \"$1\" steward-watchdog $$ \"$2\" & exec sleep 86400", "controller",
                                ProcessGroupChild.watchdogScript, String(group.pid)])
        // This one (other tests' runs have watchdogs too), once it runs its own program: `$0` is an argument of
        // its own, where the controller's command line (and a fork of it not yet exec'd) holds it only as text.
        try await waitUntil("the watchdog to run") {
            ProcessTable.processes(withArgument: "steward-watchdog").contains {
                $0.arguments.contains("steward-watchdog") && $0.arguments.last == String(group.pid)
            }
        }
        kill(parent.pid, SIGKILL)
        #expect(await ProcessTable.survivors(ofGroup: group.pid).isEmpty, "the group died with its parent")
        try await reap(parent)
        try await reap(group)

        // With its parent (this process) alive and the group ending by itself, the watchdog ends too.
        let short = try spawn(["sh", "-c", "sleep 0.3"])
        let second = try spawn(ProcessGroupChild.watchdogLaunch(parent: getpid(), group: short.pid).arguments)
        try await reap(short, stop: false)
        try await waitUntil("the watchdog to end by itself") { !ProcessTable.isAlive(second.pid) }
        let ending = try await BlockingWork.run("steward.test.reap") {
            second.supervise(timeout: .seconds(86_400), grace: .zero, onStdout: { _ in }, onStderr: { _ in })
        }
        #expect(ending.termination == .exited(0) || ending.termination == .exited(1))
    }
}
