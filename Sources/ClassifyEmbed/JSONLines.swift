import Foundation

/// The encoder of every JSON line the tool prints (`predict --format jsonl`, `verify --json`): sorted keys,
/// unescaped slashes, and ±∞ (a stored threshold at the first ROC point) written as the strings "inf"/"-inf"
/// as in the model file, since JSON has no infinity.
public enum JSONLines {
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}
