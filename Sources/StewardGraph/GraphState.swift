import Foundation

/// The state a graph threads through its nodes: a `Codable` value whose written fields are declared as
/// channels, each with the reducer that folds a node's write into the current value.
///
/// ```swift
/// struct Review: GraphState {
///     var verdict = ""
///     var notes: [String] = []
///     static let schema = StateSchema<Review>(
///         .lastValue("verdict", \.verdict),
///         .appending("notes", \.notes)
///     )
/// }
/// ```
/// Fields that are not channels are input only: nodes read them but cannot write them.
public protocol GraphState: Codable, Sendable {
    /// The channels nodes may write; declare it with `static let` so it is built once.
    static var schema: StateSchema<Self> { get }
}

/// The writable fields of a `GraphState`, by name and key path.
///
/// `@unchecked Sendable`: key paths are immutable values; the schema is never mutated after `init`.
public struct StateSchema<State: GraphState>: @unchecked Sendable {
    /// The channels in declaration order.
    public let channels: [Channel<State>]
    let byName: [String: Channel<State>]
    let nameByKeyPath: [AnyKeyPath: String]

    /// - Precondition: channel names and key paths are unique (a programming error otherwise).
    public init(_ channels: Channel<State>...) {
        self.init(channels: channels)
    }

    /// - Precondition: channel names and key paths are unique (a programming error otherwise).
    public init(channels: [Channel<State>]) {
        var byName: [String: Channel<State>] = [:]
        var nameByKeyPath: [AnyKeyPath: String] = [:]
        for channel in channels {
            precondition(byName[channel.name] == nil, "channel \(channel.name.debugDescription) of \(State.self) is declared twice")
            precondition(
                nameByKeyPath[channel.keyPath] == nil,
                "channels \(nameByKeyPath[channel.keyPath] ?? "") and \(channel.name) of \(State.self) use the same key path"
            )
            byName[channel.name] = channel
            nameByKeyPath[channel.keyPath] = channel.name
        }
        self.channels = channels
        self.byName = byName
        self.nameByKeyPath = nameByKeyPath
    }

    /// The channel name of a key path, nil when the field is not a channel.
    public func channelName(for keyPath: PartialKeyPath<State>) -> String? {
        nameByKeyPath[keyPath]
    }

    func channel(named name: String) -> Channel<State>? { byName[name] }
}

/// One writable field of a graph state and the reducer that merges writes into it.
///
/// A channel without a reducer (`lastValue`) takes the newest write; two nodes that may run in the same
/// step must not both write it, which `GraphBuilder.compile()` checks. Reducer channels merge the writes
/// of parallel nodes in the order of the nodes' names, so the result never depends on timing. A reducer
/// must be pure and associative (`reduce(reduce(a, b), c) == reduce(a, reduce(b, c))`): writes of one
/// node are combined before they are applied, and replaying a thread applies them again.
///
/// `@unchecked Sendable`: the key path is an immutable value and every closure is `@Sendable`.
public struct Channel<State: GraphState>: @unchecked Sendable {
    /// The name writes are stored under in checkpoints and reported under in errors.
    public let name: String
    /// Whether parallel writes are merged (true) or conflict (false, `lastValue`).
    public let hasReducer: Bool
    /// `lastValue`, `appending`, `merging` or `reduced`, for messages.
    public let reducerName: String
    let keyPath: PartialKeyPath<State>
    /// Folds a write into the state.
    let apply: @Sendable (inout State, any Sendable) -> Void
    /// Folds a second write of one node into its first.
    let combine: @Sendable (any Sendable, any Sendable) -> any Sendable
    let encode: @Sendable (any Sendable, inout KeyedEncodingContainer<GraphCodingKey>) throws -> Void
    let decode: @Sendable (KeyedDecodingContainer<GraphCodingKey>) throws -> any Sendable

    private init<Value: Codable & Sendable>(
        name: String, keyPath: WritableKeyPath<State, Value>, reducerName: String,
        reduce: (@Sendable (Value, Value) -> Value)?
    ) {
        self.name = name
        self.hasReducer = reduce != nil
        self.reducerName = reducerName
        self.keyPath = keyPath
        let key = GraphCodingKey(name)
        nonisolated(unsafe) let path = keyPath
        let fold: @Sendable (Value, Value) -> Value = reduce ?? { _, new in new }
        apply = { state, write in
            state[keyPath: path] = fold(state[keyPath: path], Self.cast(write, name))
        }
        combine = { first, second in fold(Self.cast(first, name), Self.cast(second, name)) }
        encode = { write, container in try container.encode(Self.cast(write, name) as Value, forKey: key) }
        decode = { container in try container.decode(Value.self, forKey: key) }
    }

    private static func cast<Value>(_ write: any Sendable, _ name: String) -> Value {
        guard let value = write as? Value else {
            // Update.set is typed by the channel's key path, so a mismatch is a bug in this module.
            preconditionFailure("channel \(name) of \(State.self) received a \(type(of: write)), not a \(Value.self)")
        }
        return value
    }

    /// A field whose newest write wins; parallel nodes may not both write it.
    public static func lastValue<Value: Codable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<State, Value>
    ) -> Channel {
        Channel(name: name, keyPath: keyPath, reducerName: "lastValue", reduce: nil)
    }

    /// An array that writes append to (parallel writes in node-name order).
    public static func appending<Element: Codable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<State, [Element]>
    ) -> Channel {
        Channel(name: name, keyPath: keyPath, reducerName: "appending", reduce: { $0 + $1 })
    }

    /// A dictionary that writes merge into, key by key (on a shared key the later node by name wins).
    public static func merging<Key: Codable & Hashable & Sendable, Value: Codable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<State, [Key: Value]>
    ) -> Channel {
        Channel(name: name, keyPath: keyPath, reducerName: "merging", reduce: { $0.merging($1) { _, new in new } })
    }

    /// A field with a custom reducer `(current, write) -> new`, which must be pure and associative.
    public static func reduced<Value: Codable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<State, Value>, by reducer: @escaping @Sendable (Value, Value) -> Value
    ) -> Channel {
        Channel(name: name, keyPath: keyPath, reducerName: "reduced", reduce: reducer)
    }
}

/// A coding key built from a channel or node name.
public struct GraphCodingKey: CodingKey, Hashable, Sendable {
    /// The name.
    public let stringValue: String
    /// Always nil: graph keys are names.
    public var intValue: Int? { nil }
    /// A key for `string`.
    public init(_ string: String) { stringValue = string }
    /// A key for `stringValue`.
    public init?(stringValue: String) { self.stringValue = stringValue }
    /// Never succeeds: graph keys are names.
    public init?(intValue: Int) { nil }
}
