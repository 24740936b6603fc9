/// A model file (or checkpoint) that cannot be used, naming the file and, where it applies, the tensor
/// or metadata key.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case notAModel(file: String, reason: String)
    case badMetadata(file: String, key: String, reason: String)
    case badTensor(file: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case .notAModel(let f, let r): return "\(f): not a ClassifyEmbed model: \(r)"
        case .badMetadata(let f, let k, let r):
            return "\(f): metadata '\(k)' is not valid: \(r). Re-save the model with this version of the tool."
        case .badTensor(let f, let t, let r): return "\(f): tensor '\(t)' \(r)"
        }
    }
}
