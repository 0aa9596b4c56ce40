import Foundation

/// What one node writes: values for some channels of the state, each folded in by its channel's reducer.
///
/// ```swift
/// return Update<Review>().setting(\.verdict, "approve").appending(\.notes, "looks good")
/// ```
/// An update is typed by the state's key paths, so a write of the wrong type does not compile; a key path
/// that is not a channel of the schema fails the step with an error naming it.
public struct Update<State: GraphState>: Sendable {
    /// Writes by channel name.
    var values: [String: any Sendable] = [:]
    /// Key paths written that are not channels, kept to fail the step with a clear message.
    var unknownFields: [String] = []

    /// An empty update (the node changes nothing).
    public init() {}

    /// The names of the channels written, sorted.
    public var channelNames: [String] { values.keys.sorted() }

    /// Whether nothing is written.
    public var isEmpty: Bool { values.isEmpty && unknownFields.isEmpty }

    /// Writes `value` to the channel at `keyPath`; a second write to the same channel is combined by its
    /// reducer (for `lastValue`, it replaces the first).
    public mutating func set<Value: Codable & Sendable>(_ keyPath: WritableKeyPath<State, Value>, _ value: Value) {
        guard let name = State.schema.channelName(for: keyPath), let channel = State.schema.channel(named: name) else {
            unknownFields.append(String(describing: keyPath))
            return
        }
        if let first = values[name] {
            values[name] = channel.combine(first, value)
        } else {
            values[name] = value
        }
    }

    /// Appends one element to an `appending` channel.
    public mutating func append<Element: Codable & Sendable>(_ keyPath: WritableKeyPath<State, [Element]>, _ element: Element) {
        set(keyPath, [element])
    }

    /// This update with `value` written to `keyPath` (see `set(_:_:)`).
    public func setting<Value: Codable & Sendable>(_ keyPath: WritableKeyPath<State, Value>, _ value: Value) -> Update {
        var update = self
        update.set(keyPath, value)
        return update
    }

    /// This update with `element` appended to the `appending` channel at `keyPath`.
    public func appending<Element: Codable & Sendable>(_ keyPath: WritableKeyPath<State, [Element]>, _ element: Element) -> Update {
        var update = self
        update.append(keyPath, element)
        return update
    }

    /// Folds every write into `state`, channel by channel in name order.
    func apply(to state: inout State) {
        for name in values.keys.sorted() {
            guard let channel = State.schema.channel(named: name), let value = values[name] else { continue }
            channel.apply(&state, value)
        }
    }
}

extension Update: Codable {
    /// Encodes the writes as one JSON object keyed by channel name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: GraphCodingKey.self)
        for name in values.keys.sorted() {
            guard let channel = State.schema.channel(named: name), let value = values[name] else { continue }
            try channel.encode(value, &container)
        }
    }

    /// Decodes writes stored by `encode(to:)`.
    /// - Throws: `DecodingError.dataCorrupted` for a channel the schema no longer has.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: GraphCodingKey.self)
        for key in container.allKeys {
            guard let channel = State.schema.channel(named: key.stringValue) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "\(State.self) has no channel \(key.stringValue.debugDescription); the checkpoint was written by another version of the graph"
                )
            }
            values[key.stringValue] = try channel.decode(container)
        }
    }
}
