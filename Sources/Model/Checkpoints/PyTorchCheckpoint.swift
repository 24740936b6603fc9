/// A file written by `torch.save`, unpickled into its root object (tensors still referring to their
/// storages) plus the byte range of every storage's data in the file. Both layouts:
///
/// - **zip** (torch ≥ 1.6): `<archive>/data.pkl` is the pickle; each storage is the entry
///   `<archive>/data/<key>`. Persistent ids are `('storage', torch.FloatStorage, key, location, numel)`.
/// - **legacy**: five pickles in a row (magic number, protocol version 1001, system info, the object, the
///   list of storage keys), then for each key in that order an 8-byte little-endian element count followed by
///   the raw elements. Persistent ids carry a sixth item, an optional view `(view_key, offset, size)`.
struct PyTorchCheckpoint {
    let file: String
    let root: PickleValue
    /// Where each storage's elements are in the file, and their element type.
    private var storages: [String: (bytes: Range<Int>, dtype: CheckpointDType)] = [:]

    /// 0x1950a86a20f9469cfc6c as LONG1 stores it (little-endian).
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let legacyProtocolVersion: Int64 = 1001

    /// Reads a zip-format checkpoint.
    init(zip bytes: UnsafeRawBufferPointer, file: String) throws {
        self.file = file
        let archive = try ZipArchive(file: file, bytes: bytes)
        guard let pickle = archive.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") })
        else {
            throw CheckpointError.unknownFormat(file: file, reason: "a zip archive without a data.pkl entry")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if let order = archive[prefix + "byteorder"] {
            let range = try archive.storedData(order.name)
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            guard text == "little" else {
                throw CheckpointError.malformedArchive(
                    file: file,
                    reason: "storages are stored \(text)-endian; re-save the checkpoint on a little-endian machine")
            }
        }
        let pickleRange = try archive.storedData(pickle.name)
        var referenced: [String: StorageReference] = [:]
        var machine = PickleMachine(
            file: file, bytes: UnsafeRawBufferPointer(rebasing: bytes[pickleRange]), base: pickleRange.lowerBound)
        root = try machine.run { pid, offset in
            let s = try Self.storage(pid, offset: offset, file: file, legacy: false)
            referenced[s.key] = s
            return .storage(s)
        }
        for (key, s) in referenced {
            let range = try archive.storedData(prefix + "data/" + key)
            storages[key] = try Self.checkedStorage(s, range, file: file)
        }
    }

    /// Reads a legacy-format checkpoint.
    init(legacy bytes: UnsafeRawBufferPointer, file: String) throws {
        self.file = file
        let noStorages: PickleMachine.PersistentLoad = { _, offset in
            throw CheckpointError.malformedPickle(
                file: file, offset: offset, reason: "a storage outside the state dict")
        }
        var machine = PickleMachine(file: file, bytes: bytes)
        guard case .bigInt(let magic) = try machine.run(persistentLoad: noStorages), magic == Self.legacyMagic else {
            throw CheckpointError.unknownFormat(
                file: file, reason: "a pickle, but not a PyTorch file (its first value is not PyTorch's magic number)")
        }
        let version = try machine.run(persistentLoad: noStorages)
        guard case .int(let v) = version, v == Self.legacyProtocolVersion else {
            throw CheckpointError.unknownFormat(
                file: file,
                reason: "legacy PyTorch protocol version \(version) (only \(Self.legacyProtocolVersion) is known)")
        }
        let sysInfo = try machine.run(persistentLoad: noStorages)
        if case .dict(let info) = sysInfo, case .bool(false)? = info["little_endian"] {
            throw CheckpointError.unknownFormat(
                file: file, reason: "written on a big-endian machine; re-save it on a little-endian one")
        }
        var referenced: [String: StorageReference] = [:]
        root = try machine.run { pid, offset in
            let s = try Self.storage(pid, offset: offset, file: file, legacy: true)
            if let earlier = referenced[s.key], earlier.dtype != s.dtype {
                throw CheckpointError.malformedPickle(
                    file: file, offset: offset,
                    reason: "storage '\(s.key)' is used as both \(earlier.dtype.rawValue) and \(s.dtype.rawValue)")
            }
            referenced[s.key] = s
            return .storage(s)
        }
        let keysOffset = machine.end
        guard case .list(let keyList) = try machine.run(persistentLoad: noStorages) else {
            throw CheckpointError.malformedPickle(
                file: file, offset: keysOffset, reason: "the storage keys are not a list")
        }
        var p = machine.end
        for item in keyList.items {
            guard let key = item.stringValue else {
                throw CheckpointError.malformedPickle(
                    file: file, offset: keysOffset, reason: "a storage key is \(item.kind), not a string")
            }
            guard let s = referenced[key] else {
                throw CheckpointError.malformedPickle(
                    file: file, offset: keysOffset, reason: "storage '\(key)' is listed but no tensor uses it")
            }
            guard bytes.count - p >= 8 else {
                throw CheckpointError.truncated(
                    file: file, offset: bytes.count, reason: "the element count of storage '\(key)' is missing")
            }
            let count = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[p + $1]) << (8 * UInt64($1)) }
            p += 8
            let available = UInt64(bytes.count - p)
            guard count <= available / UInt64(s.dtype.size) else {
                throw CheckpointError.truncated(
                    file: file, offset: bytes.count,
                    reason:
                        "storage '\(key)' announces \(count) \(s.dtype.rawValue) elements, \(available) bytes remain")
            }
            let range = p..<(p + Int(count) * s.dtype.size)
            storages[key] = try Self.checkedStorage(s, range, file: file)
            p = range.upperBound
        }
        for key in referenced.keys where storages[key] == nil {
            throw CheckpointError.malformedPickle(
                file: file, offset: keysOffset, reason: "storage '\(key)' is used but not in the list of storage keys")
        }
    }

    /// The storage a persistent id names.
    private static func storage(_ pid: PickleValue, offset: Int, file: String, legacy: Bool) throws -> StorageReference
    {
        func bad(_ why: String) -> CheckpointError { .malformedPickle(file: file, offset: offset, reason: why) }
        guard let t = pid.tupleItems, t.count >= 5, t[0].stringValue == "storage" else {
            throw bad("persistent id is not ('storage', type, key, location, size)")
        }
        guard case .global(.storageClass(let dtype, _)) = t[1] else { throw bad("storage type is \(t[1].kind)") }
        guard let key = t[2].stringValue, let count = t[4].intValue, count >= 0 else {
            throw bad("storage key or size is malformed")
        }
        var s = StorageReference(key: key, dtype: dtype, count: count, view: nil)
        if legacy, t.count >= 6, let view = t[5].tupleItems {
            guard view.count == 3, let o = view[1].intValue, let n = view[2].intValue, o >= 0, n >= 0 else {
                throw bad("storage view is not (key, offset, size)")
            }
            s.view = (o, n)
        }
        return s
    }

    /// The storage's byte range, after checking that it holds as many elements as its persistent id says.
    private static func checkedStorage(
        _ s: StorageReference, _ range: Range<Int>, file: String
    ) throws -> (bytes: Range<Int>, dtype: CheckpointDType) {
        let (needed, overflow) = s.count.multipliedReportingOverflow(by: s.dtype.size)
        guard !overflow, needed <= range.count else {
            throw CheckpointError.badTensor(
                file: file, tensor: "storage \(s.key)",
                reason: "holds \(range.count) bytes but is declared as \(s.count) \(s.dtype.rawValue) elements")
        }
        return (range, s.dtype)
    }

    /// Copies a tensor's elements out of its storage after checking that every element it reaches lies inside
    /// the storage (the file's bytes are `bytes`).
    func tensor(_ ref: TensorReference, name: String, bytes: UnsafeRawBufferPointer) throws -> CheckpointTensor {
        func bad(_ why: String) -> CheckpointError { .badTensor(file: file, tensor: name, reason: why) }
        guard let s = storages[ref.storage.key] else { throw bad("storage '\(ref.storage.key)' is missing") }
        guard s.dtype == ref.storage.dtype else { throw bad("storage '\(ref.storage.key)' changes element type") }
        var available = s.bytes.count / s.dtype.size
        var start = 0
        if let view = ref.storage.view {
            guard view.offset <= available, view.count <= available - view.offset else {
                throw bad("storage view \(view) lies outside its storage of \(available) elements")
            }
            start = view.offset
            available = view.count
        }
        var count = 1
        var last = ref.offset
        for (size, stride) in zip(ref.shape, ref.strides) {
            let (c, o1) = count.multipliedReportingOverflow(by: size)
            let (reach, o2) = max(size - 1, 0).multipliedReportingOverflow(by: stride)
            let (l, o3) = last.addingReportingOverflow(reach)
            guard !o1, !o2, !o3 else { throw bad("shape \(ref.shape) with strides \(ref.strides) overflows") }
            count = c
            last = l
        }
        // Elements are bounded by the file size before anything is allocated (a stride-0 tensor could
        // otherwise claim any number of them).
        guard count <= bytes.count else { throw bad("shape \(ref.shape) has more elements than the file has bytes") }
        if count > 0 && last >= available {
            throw bad(
                "storage '\(ref.storage.key)' holds \(available) elements but the tensor (shape \(ref.shape), "
                    + "strides \(ref.strides), offset \(ref.offset)) reaches element \(last): the storage is shorter than its tensor"
            )
        }
        let storage = UnsafeRawBufferPointer(rebasing: bytes[s.bytes])
        return CheckpointTensor.gather(
            storage, dtype: s.dtype, offset: start + ref.offset, shape: ref.shape, strides: ref.strides)
    }
}
