import Engine

/// A coding key for whatever keys a YAML mapping holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An unknown or mistyped configuration key; `path` is dotted (`train.learning_rte`).
package struct UnknownKeyError: Error, CustomStringConvertible {
    package var path: String
    package var known: [String]
    package var description: String {
        let leaf = path.split(separator: ".").last.map(String.init) ?? path
        let close = known.filter { editDistance($0, leaf) <= 2 }
        let hint = close.isEmpty ? "known keys here: \(known.joined(separator: ", "))" : "did you mean '\(close[0])'?"
        return "unknown key '\(path)' (\(hint))"
    }
}

extension Decoder {
    /// Throws `UnknownKeyError` for any key of this mapping that `Keys` does not list.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        let known = Keys.allCases.map(\.stringValue)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw UnknownKeyError(
                path: (codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."), known: known)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension KeyedDecodingContainer {
    /// A typed choice spelled as a string (`cosine`, `macro_f1` …): an unknown spelling names every allowed one.
    func choice<T: RawRepresentable & CaseIterable & Decodable>(_ key: Key, or fallback: T) throws -> T
    where T.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return fallback }
        guard let value = T(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "'\(raw)' is not one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }
}

extension KeyedDecodingContainer {
    /// A value that must satisfy `isValid` (ranges, signs, finiteness), checked here where it is read, so
    /// that nothing later divides by a zero or allocates from a nonsense size. `rule` completes
    /// "'key': VALUE …", e.g. "must be at least 1".
    func value<T: Decodable>(_ key: Key, or fallback: T, _ rule: String, where isValid: (T) -> Bool) throws -> T {
        let v = try value(key, or: fallback)
        guard isValid(v) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(v) \(rule)")
        }
        return v
    }
}
