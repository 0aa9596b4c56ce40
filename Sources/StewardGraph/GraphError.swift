import Foundation

/// Names every graph shares: the entry and exit of the edge list.
public enum Graph {
    /// The virtual node edges start from; its edges choose the first step's nodes.
    public static let start = "__start__"
    /// The virtual node an edge leads to when the thread is finished.
    public static let end = "__end__"
}

/// A graph that cannot be built: what is wrong, naming the nodes and channels involved.
public struct GraphBuildError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The full explanation, as printed.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A failure while running a thread: what happened, where, and what to do.
public struct GraphError: Error, Sendable, CustomStringConvertible {
    /// The class of failure (extensible: match with `==`).
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case nodeFailed, nodeTimedOut, threadBusy, threadExists, threadNotFound, threadFinished, invalidUpdate
            case invalidRoute, corruptCheckpoint, effectAfterNodeEnded, invalidAnswer
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A node threw; the step wrote nothing.
        public static let nodeFailed = Kind(.nodeFailed)
        /// A node ran past its timeout; the step wrote nothing.
        public static let nodeTimedOut = Kind(.nodeTimedOut)
        /// Another run (in this process or another) holds the thread's lease.
        public static let threadBusy = Kind(.threadBusy)
        /// `start` was called for a thread that already has checkpoints.
        public static let threadExists = Kind(.threadExists)
        /// `resume` or a history read named a thread without checkpoints.
        public static let threadNotFound = Kind(.threadNotFound)
        /// `resume` was called for a thread that already completed.
        public static let threadFinished = Kind(.threadFinished)
        /// A node wrote a channel it did not declare, or a field that is not a channel.
        public static let invalidUpdate = Kind(.invalidUpdate)
        /// A conditional edge chose a node it did not declare.
        public static let invalidRoute = Kind(.invalidRoute)
        /// A stored checkpoint could not be decoded or is out of sequence.
        public static let corruptCheckpoint = Kind(.corruptCheckpoint)
        /// `resume` got an answer the thread is not waiting for (no question, or none from that node).
        public static let invalidAnswer = Kind(.invalidAnswer)
        /// A node recorded an effect after it had timed out or been cancelled.
        public static let effectAfterNodeEnded = Kind(.effectAfterNodeEnded)

        public var description: String { base.rawValue }
    }

    /// The class of failure.
    public let kind: Kind
    /// The thread the failure happened in.
    public let thread: String
    /// The node that failed, when one did.
    public let node: String?
    /// The node's own error, for `nodeFailed`.
    public let underlying: (any Error)?
    /// The full explanation, as printed.
    public let message: String

    init(_ kind: Kind, thread: String, node: String? = nil, underlying: (any Error)? = nil, _ message: String) {
        self.kind = kind
        self.thread = thread
        self.node = node
        self.underlying = underlying
        self.message = message
    }

    public var description: String { message }
}
