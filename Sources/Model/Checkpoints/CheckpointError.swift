/// Why a checkpoint could not be read. Every case names the file; `description` reads
/// `file: what is wrong; what to do`.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read at all.
    case unreadable(file: String, reason: String)
    /// Neither safetensors, a PyTorch zip archive nor a legacy PyTorch file.
    case unknownFormat(file: String, reason: String)
    /// The file ends before a structure it announces (a pickle, a zip record, a storage).
    case truncated(file: String, offset: Int, reason: String)
    /// A pickle opcode outside the state-dict subset, at a byte offset of the file.
    case unsupportedOpcode(file: String, offset: Int, opcode: UInt8)
    /// A global (`module.name`) the reader does not allow: loading it would mean running code from the file.
    case disallowedGlobal(file: String, offset: Int, name: String)
    /// The pickle is well-formed byte-wise but does not describe a state dict the reader understands.
    case malformedPickle(file: String, offset: Int, reason: String)
    /// A zip archive whose records are inconsistent, or that uses a feature this reader leaves out.
    case malformedArchive(file: String, reason: String)
    /// A tensor whose storage, shape or strides do not fit together.
    case badTensor(file: String, tensor: String, reason: String)
    /// A tensor whose element type is not the one the caller needs.
    case wrongDType(file: String, tensor: String, found: CheckpointDType, expected: CheckpointDType)
    /// A tensor the caller needs is not in the file.
    case missingTensor(file: String, tensor: String)
    /// A tensor has another shape than the caller needs.
    case wrongShape(file: String, tensor: String, found: [Int], expected: [Int])
    /// The file holds no state dict (no dictionary of tensors at the top or under a known key).
    case noStateDict(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r):
            return "\(f): cannot read the file (\(r)); check the path and permissions"
        case .unknownFormat(let f, let r):
            return
                "\(f): not a checkpoint this reader knows (\(r)); expected safetensors, a PyTorch zip archive "
                + "(torch.save, torch ≥ 1.6) or a legacy PyTorch file"
        case .truncated(let f, let o, let r):
            return "\(f): file is truncated at byte \(o) (\(r)); download or copy the file again"
        case .unsupportedOpcode(let f, let o, let op):
            return
                "\(f): byte \(o): pickle opcode 0x\(String(op, radix: 16)) is not part of a state dict; "
                + "save the model with torch.save(model.state_dict(), path) and try again"
        case .disallowedGlobal(let f, let o, let n):
            return
                "\(f): byte \(o): the pickle refers to '\(n)', which is not a tensor, storage or OrderedDict; "
                + "such files are refused because loading them could run code. Save only the state dict "
                + "(torch.save(model.state_dict(), path)) or convert it to safetensors"
        case .malformedPickle(let f, let o, let r):
            return "\(f): byte \(o): \(r); the file is damaged or not a PyTorch state dict"
        case .malformedArchive(let f, let r):
            return "\(f): \(r)"
        case .badTensor(let f, let t, let r):
            return "\(f): tensor '\(t)': \(r); the file is damaged or was written by an unsupported tool"
        case .wrongDType(let f, let t, let found, let expected):
            return
                "\(f): tensor '\(t)' is \(found.rawValue), expected \(expected.rawValue); "
                + "convert the checkpoint (e.g. model.float()) before saving"
        case .missingTensor(let f, let t):
            return "\(f): no tensor named '\(t)'; is this the right checkpoint for this model?"
        case .wrongShape(let f, let t, let found, let expected):
            return "\(f): tensor '\(t)' has shape \(found), expected \(expected); is this the right checkpoint?"
        case .noStateDict(let f, let r):
            return "\(f): no state dict found (\(r)); save it with torch.save(model.state_dict(), path)"
        }
    }
}
