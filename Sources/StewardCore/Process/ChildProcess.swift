import Foundation

/// What a finished child printed and how it ended.
public struct ChildOutput: Sendable, Hashable {
    public var termination: ProcessGroupChild.Termination
    /// Set when the child was stopped at its timeout or on cancellation.
    public var stopReason: ProcessGroupChild.StopReason?
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// stdout and stderr in the order they were read (each kept to the run's output limit, its last bytes).
    public var interleaved: [UInt8]

    /// The exit status as a shell reports it (128 + the signal's number when a signal ended the child), or
    /// nil when it was stopped at its timeout or on cancellation.
    public var status: Int32? {
        guard stopReason == nil else { return nil }
        switch termination {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var interleavedText: String { String(decoding: interleaved, as: UTF8.self) }
}

extension ProcessGroupChild {
    /// Spawns `launch`, feeds it `input`, collects its output and waits for it on the calling thread: for
    /// threads of their own (``BlockingWork``), never the cooperative pool.
    /// - Parameters:
    ///   - timeout: from the spawn until the group is stopped (SIGTERM, SIGKILL after `grace`).
    ///   - outputLimit: each of stdout, stderr and the interleaved copy keeps at most its last this many bytes.
    /// - Throws: `SystemCallError` or `GNUExtensions.Missing` when the child cannot be spawned.
    public static func runToEnd(
        _ launch: ProcessLaunch, input: [UInt8]? = nil, timeout: Duration = .seconds(86_400),
        grace: Duration = .seconds(5), outputLimit: Int = .max
    ) throws -> ChildOutput {
        try ProcessGroupChild(launching: launch, input: input)
            .collect(timeout: timeout, grace: grace, outputLimit: outputLimit)
    }

    /// ``runToEnd(_:input:timeout:grace:outputLimit:)`` on a thread of its own; the calling task is suspended,
    /// and cancelling it stops the child's group (`dieWithParent`: so does this process's death).
    public static func run(
        _ launch: ProcessLaunch, input: [UInt8]? = nil, timeout: Duration = .seconds(86_400),
        grace: Duration = .seconds(5), outputLimit: Int = .max, dieWithParent: Bool = false
    ) async throws -> ChildOutput {
        let child = try ProcessGroupChild(launching: launch, input: input, dieWithParent: dieWithParent)
        return try await withTaskCancellationHandler {
            try await BlockingWork.run("steward.child.\(child.pid)") {
                child.collect(timeout: timeout, grace: grace, outputLimit: outputLimit)
            }
        } onCancel: {
            child.cancel()
        }
    }

    /// ``supervise(timeout:grace:onStdout:onStderr:)`` into buffers.
    private func collect(timeout: Duration, grace: Duration, outputLimit: Int) -> ChildOutput {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var interleaved: [UInt8] = []
        func keep(_ chunk: [UInt8], in buffer: inout [UInt8]) {
            buffer.append(contentsOf: chunk)
            if buffer.count > outputLimit { buffer.removeFirst(buffer.count - outputLimit) }
        }
        let ending = supervise(
            timeout: timeout, grace: grace,
            onStdout: { keep($0, in: &stdout); keep($0, in: &interleaved) },
            onStderr: { keep($0, in: &stderr); keep($0, in: &interleaved) }
        )
        return ChildOutput(
            termination: ending.termination, stopReason: ending.stopReason, stdout: stdout, stderr: stderr,
            interleaved: interleaved
        )
    }
}
