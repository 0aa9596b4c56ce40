import Foundation
import Glibc

/// What to spawn: no shell, an explicit environment and working directory.
public struct ProcessLaunch: Sendable, Hashable {
    /// Absolute path of the program.
    public var executable: String
    /// Full argv, `argv[0]` included.
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String

    public init(executable: String, arguments: [String], environment: [String: String], workingDirectory: String) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// `arguments[0]` looked up on the `PATH` of `environment` by `/usr/bin/env`, as a shell would.
    public static func searchingPath(
        _ arguments: [String], environment: [String: String], workingDirectory: String
    ) -> ProcessLaunch {
        ProcessLaunch(
            executable: "/usr/bin/env", arguments: ["env"] + arguments, environment: environment,
            workingDirectory: workingDirectory
        )
    }
}

/// A child process that leads its own process group, so that stopping it stops everything it started
/// (Ansible forks workers, modules run as their children). One blocking call to ``supervise`` reads its
/// output, enforces the timeout, and ends with the group gone and the leader reaped.
///
/// Spawned with `posix_spawn`: `POSIX_SPAWN_SETPGROUP` (pgid = pid), default signal dispositions and an
/// empty signal mask (a parent that ignores or blocks SIGPIPE must not pass that on), stdin on
/// `/dev/null` (or a pipe fed with `input`), and every other descriptor closed.
///
/// Every child Steward starts goes through here, because Foundation's `Process` closes the parent's other
/// descriptors by a list it makes before the spawn: a pipe another thread opens in between leaks into that
/// child, and whoever reads that pipe then waits for a process that never writes to it
/// (docs/ARCHITECTURE.md, "Child processes").
public final class ProcessGroupChild: @unchecked Sendable {
    /// How the leader ended.
    public enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Why the runner stopped the group before it finished on its own.
    public enum StopReason: Sendable, Hashable {
        case timeout
        case cancellation
    }

    /// What ``supervise`` observed.
    public struct Ending: Sendable, Hashable {
        public var termination: Termination
        public var stopReason: StopReason?
    }

    public let pid: pid_t
    /// Read ends of the child's stdout and stderr; -1 once closed. Touched only by `supervise`.
    private var outputs: [Int32]
    /// What is still to be written to the child's stdin, and the pipe's write end (-1 when none or done).
    /// Touched only by `supervise`.
    private let input: [UInt8]
    private var inputWritten = 0
    private var inputFD: Int32
    /// A self-pipe: `cancel()` writes a byte to wake `supervise` out of `poll`.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let lock = NSLock()
    private var cancelRequested = false

    /// How long output is still read after the leader exits, for stragglers that hold the pipes.
    private static let drainPeriod = Duration.seconds(1)

    /// A watchdog that kills the child's group when this process dies (`dieWithParent`): 0 when none.
    private var watchdog: pid_t = 0

    /// Spawns `launch` in a new process group.
    /// - Parameter input: written to the child's stdin (then closed) by `supervise`; nil means `/dev/null`.
    /// - Parameter dieWithParent: the child's whole group is killed when this process dies, even by SIGKILL
    ///   (a watchdog `sh` polls both; Linux's PDEATHSIG follows the spawning thread, not the process, so it cannot
    ///   serve children spawned from a thread pool). For long runs that must never outlive the controller.
    /// - Throws: `SystemCallError` when the pipes cannot be made or the program cannot be spawned,
    ///   `GNUExtensions.Missing` on a C library older than glibc 2.34.
    public init(launching launch: ProcessLaunch, input: [UInt8]? = nil, dieWithParent: Bool = false) throws {
        let gnu = try GNUExtensions.functions.get()
        var wake: [Int32] = [-1, -1]
        try SystemCall.check("pipe2", gnu.pipe2(&wake, O_CLOEXEC))
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        var stdinPipe: [Int32] = [-1, -1]
        do {
            try SystemCall.check("pipe2", gnu.pipe2(&stdoutPipe, O_CLOEXEC))
            try SystemCall.check("pipe2", gnu.pipe2(&stderrPipe, O_CLOEXEC))
            if input != nil { try SystemCall.check("pipe2", gnu.pipe2(&stdinPipe, O_CLOEXEC)) }
            pid = try Self.spawn(
                launch, stdin: input == nil ? nil : stdinPipe[0], stdout: stdoutPipe[1], stderr: stderrPipe[1], gnu: gnu
            )
        } catch {
            for fd in wake + stdoutPipe + stderrPipe + stdinPipe where fd >= 0 { close(fd) }
            throw error
        }
        close(stdoutPipe[1])
        close(stderrPipe[1])
        if input != nil {
            close(stdinPipe[0])
            // supervise() writes as the child reads, between reads of its output: never blocked by a full pipe.
            _ = fcntl(stdinPipe[1], F_SETFL, fcntl(stdinPipe[1], F_GETFL) | O_NONBLOCK)
        }
        outputs = [stdoutPipe[0], stderrPipe[0]]
        if dieWithParent {
            let guardLaunch = Self.watchdogLaunch(parent: getpid(), group: pid)
            var devNull: [Int32] = [-1, -1]
            if gnu.pipe2(&devNull, O_CLOEXEC) == 0 {
                close(devNull[0])
                watchdog = (try? Self.spawn(guardLaunch, stdin: nil, stdout: devNull[1], stderr: devNull[1], gnu: gnu)) ?? 0
                close(devNull[1])
            }
        }
        self.input = input ?? []
        inputFD = input == nil ? -1 : stdinPipe[1]
        wakeRead = wake[0]
        wakeWrite = wake[1]
    }

    deinit {
        for fd in outputs where fd >= 0 { close(fd) }
        if inputFD >= 0 { close(inputFD) }
        close(wakeRead)
        close(wakeWrite)
    }

    /// Asks `supervise` to stop the group (SIGTERM, then SIGKILL after the grace period). Thread-safe.
    public func cancel() {
        lock.withLock { cancelRequested = true }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Reads output until the leader exits, stopping the group at `timeout` or on `cancel()`, then kills
    /// whatever is left of the group and reaps the leader. Blocks: call it on a thread of its own.
    /// - Parameters:
    ///   - timeout: from now until SIGTERM goes to the group.
    ///   - grace: from SIGTERM until SIGKILL.
    ///   - onStdout: each chunk read from stdout, in order.
    ///   - onStderr: each chunk read from stderr, in order.
    public func supervise(
        timeout: Duration, grace: Duration, onStdout: ([UInt8]) -> Void, onStderr: ([UInt8]) -> Void
    ) -> Ending {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var stopReason: StopReason?
        var killAt: ContinuousClock.Instant?
        var exitedAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        while true {
            let now = clock.now
            if stopReason == nil {
                if lock.withLock({ cancelRequested }) {
                    stopReason = .cancellation
                } else if now >= deadline {
                    stopReason = .timeout
                }
                if stopReason != nil {
                    killpg(pid, SIGTERM)
                    killAt = now.advanced(by: grace)
                }
            }
            if let due = killAt, now >= due {
                killpg(pid, SIGKILL)
                killAt = nil
            }
            if exitedAt == nil, leaderHasExited() { exitedAt = now }
            if let exitedAt {
                if outputs.allSatisfy({ $0 < 0 }) || now >= exitedAt.advanced(by: Self.drainPeriod) { break }
            }

            // Without a pidfd there is no descriptor for "the child exited", so poll wakes up now and then
            // to look; normally the pipes close first and the look succeeds at once.
            var wait: Duration = outputs.contains { $0 >= 0 } ? .milliseconds(250) : .milliseconds(10)
            if stopReason == nil { wait = min(wait, deadline - now) }
            if let due = killAt { wait = min(wait, due - now) }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                + outputs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                + [pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)]
            let ready = poll(&fds, nfds_t(fds.count), Self.milliseconds(wait))
            guard ready > 0 else { continue }
            if fds[0].revents != 0 { _ = read(wakeRead, &buffer, buffer.count) }
            if inputFD >= 0, fds[fds.count - 1].revents != 0 { writeInput() }
            for index in outputs.indices where outputs[index] >= 0 && fds[index + 1].revents != 0 {
                let count = read(outputs[index], &buffer, buffer.count)
                if count > 0 {
                    let chunk = Array(buffer[..<count])
                    if index == 0 { onStdout(chunk) } else { onStderr(chunk) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(outputs[index])
                    outputs[index] = -1
                }
            }
        }

        // The unreaped leader still holds the group id, so this cannot hit an unrelated group.
        killpg(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        if watchdog > 0 {
            kill(watchdog, SIGKILL)
            var ignored: Int32 = 0
            while waitpid(watchdog, &ignored, 0) == -1, errno == EINTR {}
            watchdog = 0
        }
        let signal = status & 0x7F
        let termination: Termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
        return Ending(termination: termination, stopReason: stopReason)
    }

    /// The watchdog of `dieWithParent` (`sh -c SCRIPT steward-watchdog PARENT GROUP`, spawned by PARENT): polls
    /// every 0.2 s; ends by itself when GROUP is gone; SIGKILLs GROUP when its own parent is no longer PARENT.
    /// A process's children are handed to init (or a subreaper) the moment it exits, before anyone reaps it, and
    /// a pid is never compared after reuse: "my parent changed" is exact where "PARENT answers kill -0" is not
    /// (a killed, unreaped controller still answers). Shell builtins only, besides `sleep`. It runs in a group
    /// of its own, so stopping the child's group never stops it first. (dash's `kill` takes a negative pid, a
    /// group, without `--`.)
    public static let watchdogScript = """
        mine() { while read -r key value; do if [ "$key" = PPid: ]; then [ "$value" = "$1" ]; return; fi; done < /proc/$$/status; return 1; }
        while kill -0 "-$2" 2>/dev/null && mine "$1"; do sleep 0.2; done
        mine "$1" || kill -9 "-$2" 2>/dev/null
        """

    /// The launch of the watchdog of `group`, spawned by `parent`.
    public static func watchdogLaunch(parent: pid_t, group: pid_t) -> ProcessLaunch {
        ProcessLaunch(
            executable: "/bin/sh", arguments: ["sh", "-c", watchdogScript, "steward-watchdog", String(parent), String(group)],
            environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/")
    }

    /// Writes what the pipe takes of the rest of `input`; closes it when all is written or the child
    /// closed its end (EPIPE: a child need not read all of its input).
    private func writeInput() {
        // A write to a pipe nobody reads raises SIGPIPE on this thread, which would end the whole process
        // unless the process ignores it: blocked here, then taken off the thread if the write raised it.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let written = input[inputWritten...].withUnsafeBytes { write(inputFD, $0.baseAddress, $0.count) }
        let writeError = errno
        if written < 0, writeError == EPIPE {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &now) == -1, errno == EINTR {}
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = writeError
        if written > 0 { inputWritten += written }
        if inputWritten == input.count || (written < 0 && errno != EAGAIN && errno != EINTR) {
            close(inputFD)
            inputFD = -1
        }
    }

    /// True once the leader has exited; it stays a zombie (WNOWAIT) so its pid and group id stay reserved.
    private func leaderHasExited() -> Bool {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return result == 0 && info._sifields._sigchld.si_pid == pid
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }

    private static func spawn(
        _ launch: ProcessLaunch, stdin: Int32?, stdout: Int32, stderr: Int32, gnu: GNUExtensions.Functions
    ) throws(SystemCallError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try SystemCall.checkCode("posix_spawn_file_actions_init", posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            try SystemCall.checkCode("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stdin, 0))
        } else {
            try SystemCall.checkCode(
                "posix_spawn_file_actions_addopen",
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            )
        }
        try SystemCall.checkCode("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stdout, 1))
        try SystemCall.checkCode("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stderr, 2))
        // Descriptors other threads open without O_CLOEXEC must not leak into the run.
        try SystemCall.checkCode(
            "posix_spawn_file_actions_addclosefrom_np", gnu.addCloseFrom(&actions, 3)
        )
        try SystemCall.checkCode(
            "posix_spawn_file_actions_addchdir_np",
            gnu.addChdir(&actions, launch.workingDirectory)
        )

        var attributes = posix_spawnattr_t()
        try SystemCall.checkCode("posix_spawnattr_init", posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        try SystemCall.checkCode("posix_spawnattr_setflags", posix_spawnattr_setflags(&attributes, Int16(flags)))
        try SystemCall.checkCode("posix_spawnattr_setpgroup", posix_spawnattr_setpgroup(&attributes, 0))
        var defaults = sigset_t()
        sigfillset(&defaults)
        try SystemCall.checkCode("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &defaults))
        var mask = sigset_t()
        sigemptyset(&mask)
        try SystemCall.checkCode("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&attributes, &mask))

        let argv = launch.arguments.map { strdup($0) } + [nil]
        let envp = launch.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        try SystemCall.checkCode("posix_spawn \(launch.executable)", posix_spawn(&pid, launch.executable, &actions, &attributes, argv, envp))
        return pid
    }
}
