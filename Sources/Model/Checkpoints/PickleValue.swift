/// A value built by `PickleMachine`: the few Python objects a PyTorch state dict is made of. Lists and
/// dictionaries are reference types because the pickle's memo shares them and later opcodes mutate them in
/// place (SETITEMS on a memoised OrderedDict).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// A LONG1 integer wider than 64 bits, as its little-endian two's-complement bytes (the legacy magic
    /// number is one).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    /// A storage returned by the format's persistent-id loader.
    case storage(StorageReference)
    /// The result of `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(TensorReference)

    /// Containers inside containers, counted so that a crafted file cannot build structures deep enough to
    /// overflow the stack when they are released.
    var depth: Int {
        switch self {
        case .tuple(_, let d): return d
        case .list(let l): return l.depth
        case .dict(let d): return d.depth
        default: return 0
        }
    }

    /// A tuple of `items`.
    static func makeTuple(_ items: [PickleValue]) -> PickleValue {
        .tuple(items, depth: 1 + (items.map(\.depth).max() ?? 0))
    }

    /// Short name of the kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return "global \(g)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    var intValue: Int? {
        if case .int(let v) = self, let i = Int(exactly: v) { return i }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var tupleItems: [PickleValue]? {
        if case .tuple(let items, _) = self { return items }
        return nil
    }
}

/// A Python list under construction.
final class PickleList {
    private(set) var items: [PickleValue] = []
    private(set) var depth = 1

    func append(_ v: PickleValue) {
        items.append(v)
        depth = max(depth, v.depth + 1)
    }
}

/// A Python dict (or OrderedDict), keeping insertion order. String keys are indexed, so a later SETITEM of
/// the same key replaces the value as Python would.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var index: [String: Int] = [:]
    private(set) var depth = 1

    func set(_ key: PickleValue, _ value: PickleValue) {
        depth = max(depth, max(key.depth, value.depth) + 1)
        if case .string(let s) = key {
            if let i = index[s] {
                values[i] = value
                return
            }
            index[s] = keys.count
        }
        keys.append(key)
        values.append(value)
    }

    subscript(key: String) -> PickleValue? {
        index[key].map { values[$0] }
    }

    /// The entries with string keys, in insertion order.
    var stringEntries: [(key: String, value: PickleValue)] {
        zip(keys, values).compactMap { k, v in k.stringValue.map { ($0, v) } }
    }
}

/// The only globals a state dict may name; anything else is refused before it is used.
enum PickleGlobal: CustomStringConvertible {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case storageClass(CheckpointDType, name: String)

    /// The allowed global `module.name`, or nil.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _), ("torch.storage", "UntypedStorage"):
            guard let dtype = CheckpointDType(storageClass: name) else { return nil }
            self = .storageClass(dtype, name: "\(module).\(name)")
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageClass(_, let name): return name
        }
    }
}

/// A storage named by a persistent id: `('storage', torch.FloatStorage, key, location, numel[, view])`.
struct StorageReference {
    var key: String
    var dtype: CheckpointDType
    /// Elements the pickle says the storage holds.
    var count: Int
    /// Legacy files may refer to a view of a larger storage: element offset and size inside `key`.
    var view: (offset: Int, count: Int)?
}

/// A tensor as the pickle describes it: a storage, an element offset into it, a shape and strides.
struct TensorReference {
    var storage: StorageReference
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}
