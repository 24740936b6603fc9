import Engine
import Foundation

/// How a checkpoint file is laid out, found from its first bytes.
public enum CheckpointFormat: String, Sendable {
    /// `.safetensors`: an 8-byte header length, a JSON header, raw data.
    case safetensors
    /// `torch.save` since torch 1.6: a zip archive with `data.pkl` and one entry per storage.
    case pytorchZip
    /// `torch.save` before 1.6 (or with `_use_new_zipfile_serialization=False`): pickles and raw storages.
    case pytorchLegacy

    /// The format `bytes` begins with, or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> CheckpointFormat? {
        if ZipArchive.looksLikeZip(bytes) { return .pytorchZip }
        // A legacy file starts with a protocol-2 pickle of the magic number.
        if bytes.count >= 2 && bytes[0] == 0x80 && bytes[1] <= 5 { return .pytorchLegacy }
        if bytes.count >= 9 {
            var length: UInt64 = 0
            for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            if length <= UInt64(bytes.count - 8) && bytes[8] == UInt8(ascii: "{") { return .safetensors }
        }
        return nil
    }
}

/// The state dict of any checkpoint — safetensors, PyTorch zip or PyTorch legacy, told apart by content —
/// as name → tensor. Tensors are contiguous and keep their element type (`CheckpointTensor.dtype`), with
/// every value also converted to Float. PyTorch files are read without executing anything they contain.
///
/// Training scripts often wrap the state dict (`{'state_dict': …, 'epoch': …}`, timm's `{'model': …}`):
/// without `stateDictKey` a top-level dictionary holding tensors is the state dict, and otherwise the first
/// of `wrapperKeys` that holds one is. For safetensors, `stateDictKey` selects the tensors named
/// `key.` + name, and strips the prefix.
public struct CheckpointFile: Sendable {
    /// Keys tried, in order, when the top level holds no tensors.
    public static let wrapperKeys = ["state_dict", "model", "model_state_dict", "module"]

    /// The path, as used in error messages.
    public let file: String
    public let format: CheckpointFormat
    /// Where the state dict was found: nil for the top level, else the wrapper key (or safetensors prefix).
    public let stateDictKey: String?
    /// Tensor names in the order the file lists them.
    public let names: [String]
    public let tensors: [String: CheckpointTensor]

    /// Reads the checkpoint at `url`.
    public init(contentsOf url: URL, stateDictKey: String? = nil) throws {
        let data: Data
        do { data = try FileReading.contents(of: url, limit: SafeTensorsFile.maximumFileBytes, mapped: true) } catch let
            e
            as FileReadingError
        {
            throw CheckpointError.unreadable(file: url.path, reason: e.reason)
        }
        try self.init(data: data, file: url.path, stateDictKey: stateDictKey)
    }

    /// Reads a checkpoint held in memory; `file` names it in errors.
    public init(data: Data, file: String, stateDictKey: String? = nil) throws {
        self.file = file
        let loaded = try data.withUnsafeBytes { bytes -> (CheckpointFormat, String?, [(String, CheckpointTensor)]) in
            guard let format = CheckpointFormat.sniff(bytes) else {
                let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
                throw CheckpointError.unknownFormat(file: file, reason: "it begins with bytes \(head)")
            }
            switch format {
            case .safetensors:
                let (key, entries) = try Self.readSafeTensors(data, bytes, file: file, stateDictKey: stateDictKey)
                return (format, key, entries)
            case .pytorchZip:
                let checkpoint = try PyTorchCheckpoint(zip: bytes, file: file)
                let (key, entries) = try Self.stateDict(checkpoint, bytes, stateDictKey: stateDictKey)
                return (format, key, entries)
            case .pytorchLegacy:
                let checkpoint = try PyTorchCheckpoint(legacy: bytes, file: file)
                let (key, entries) = try Self.stateDict(checkpoint, bytes, stateDictKey: stateDictKey)
                return (format, key, entries)
            }
        }
        format = loaded.0
        self.stateDictKey = loaded.1
        names = loaded.2.map(\.0)
        tensors = Dictionary(loaded.2, uniquingKeysWith: { _, last in last })
    }

    /// The named tensor, or `CheckpointError.missingTensor`.
    public func tensor(_ name: String) throws -> CheckpointTensor {
        guard let t = tensors[name] else { throw CheckpointError.missingTensor(file: file, tensor: name) }
        return t
    }

    /// The values of a float32 tensor, after checking its element type (and its shape, when given): a
    /// checkpoint in another precision is an error rather than silently converted.
    public func float32(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let t = try tensor(name)
        guard t.dtype == .float32 else {
            throw CheckpointError.wrongDType(file: file, tensor: name, found: t.dtype, expected: .float32)
        }
        if let shape, shape != t.shape {
            throw CheckpointError.wrongShape(file: file, tensor: name, found: t.shape, expected: shape)
        }
        return t.values
    }

    /// The state dict of a PyTorch checkpoint: the top-level dict, or the one under a wrapper key.
    private static func stateDict(
        _ c: PyTorchCheckpoint, _ bytes: UnsafeRawBufferPointer, stateDictKey: String?
    ) throws -> (String?, [(String, CheckpointTensor)]) {
        guard case .dict(let top) = c.root else {
            throw CheckpointError.noStateDict(file: c.file, reason: "the file holds a \(c.root.kind), not a dict")
        }
        func tensors(_ d: PickleDict) throws -> [(String, CheckpointTensor)] {
            try d.stringEntries.compactMap { name, value in
                guard case .tensor(let ref) = value else { return nil }
                return (name, try c.tensor(ref, name: name, bytes: bytes))
            }
        }
        func holdsTensors(_ d: PickleDict) -> Bool {
            d.values.contains { if case .tensor = $0 { return true } else { return false } }
        }
        if let stateDictKey {
            guard case .dict(let inner)? = top[stateDictKey] else {
                throw CheckpointError.noStateDict(file: c.file, reason: "no dictionary under the key '\(stateDictKey)'")
            }
            return (stateDictKey, try tensors(inner))
        }
        if holdsTensors(top) { return (nil, try tensors(top)) }
        for key in wrapperKeys {
            if case .dict(let inner)? = top[key], holdsTensors(inner) { return (key, try tensors(inner)) }
        }
        let keys = top.stringEntries.prefix(12).map { "'\($0.key)'" }.joined(separator: ", ")
        throw CheckpointError.noStateDict(
            file: c.file, reason: "the top-level keys \(keys) hold no tensors and none is one of \(wrapperKeys)")
    }

    /// Every tensor of a safetensors file (or those under `stateDictKey.`), in file order.
    private static func readSafeTensors(
        _ data: Data, _ bytes: UnsafeRawBufferPointer, file: String, stateDictKey: String?
    ) throws -> (String?, [(String, CheckpointTensor)]) {
        let st: SafeTensorsFile
        do { st = try SafeTensorsFile(data: data, file: file) } catch let e as SafeTensorsError {
            throw CheckpointError.unknownFormat(file: file, reason: "\(e)")
        }
        // The reader above has validated every entry's range; the data section follows the JSON header.
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
        let dataStart = 8 + headerLength
        let prefix = stateDictKey.map { $0 + "." } ?? ""
        let ordered = st.entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        var out: [(String, CheckpointTensor)] = []
        for (name, entry) in ordered where name.hasPrefix(prefix) {
            let raw = UnsafeRawBufferPointer(
                rebasing: bytes[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)])
            let t = CheckpointTensor.gather(
                raw, dtype: CheckpointDType(entry.dtype), offset: 0, shape: entry.shape,
                strides: CheckpointTensor.contiguousStrides(entry.shape))
            out.append((String(name.dropFirst(prefix.count)), t))
        }
        if let stateDictKey, out.isEmpty {
            throw CheckpointError.noStateDict(file: file, reason: "no tensor is named '\(stateDictKey).…'")
        }
        return (stateDictKey, out)
    }
}
