import Foundation
import StewardModel

/// One field that a reconcile would change (`steward diff`): its path and its value before and after (nil: absent).
public struct FieldChange: Sendable, Hashable, Codable {
    public var field: String
    public var from: String?
    public var to: String?

    public init(field: String, from: String?, to: String?) {
        self.field = field
        self.from = from
        self.to = to
    }
}

/// Field-by-field differences between the spec Steward recorded and the one in git (`steward diff`).
public enum SpecDiff {
    /// Every leaf that differs, as `spec.deploy.strategy`; lists are compared whole; a project's `env` key by key
    /// (`spec.env.GREETING`).
    public static func changes<T: Encodable>(from old: T?, to new: T, prefix: String = "spec") -> [FieldChange] {
        var before = old.map { flatten(CanonicalJSON.encode($0), prefix: prefix) } ?? [:]
        var after = flatten(CanonicalJSON.encode(new), prefix: prefix)
        var result: [FieldChange] = []
        let envKey = "\(prefix).env"
        if before[envKey] != nil || after[envKey] != nil {
            result += envChanges(from: before.removeValue(forKey: envKey), to: after.removeValue(forKey: envKey), prefix: envKey)
        }
        for key in Set(before.keys).union(after.keys).sorted() where before[key] != after[key] {
            result.append(FieldChange(field: key, from: before[key], to: after[key]))
        }
        return result.sorted { $0.field < $1.field }
    }

    /// `.env` templates compared by key: added, removed and changed values (a `${secret:NAME}` reference is shown
    /// as written; secret values never are).
    public static func envChanges(from old: String?, to new: String?, prefix: String = "spec.env") -> [FieldChange] {
        let before = Dictionary(EnvFile.parse(old ?? "").entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        let after = Dictionary(EnvFile.parse(new ?? "").entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        return Set(before.keys).union(after.keys).sorted().compactMap { key in
            before[key] == after[key] ? nil : FieldChange(field: "\(prefix).\(key)", from: before[key], to: after[key])
        }
    }

    /// Leaves of a JSON document by dotted path: scalars as their JSON text (strings without quotes), lists whole.
    private static func flatten(_ data: Data, prefix: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [:] }
        var result: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            if let dictionary = value as? [String: Any] {
                for (key, child) in dictionary { walk(child, "\(path).\(key)") }
            } else if let string = value as? String {
                result[path] = string
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) {
                result[path] = String(decoding: data, as: UTF8.self)
            }
        }
        walk(object, prefix)
        return result
    }
}
