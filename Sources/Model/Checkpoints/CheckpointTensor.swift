/// One tensor of a checkpoint, made contiguous (row-major) whatever its strides were in the file.
public struct CheckpointTensor: Sendable, Equatable {
    /// The element type stored in the file.
    public let dtype: CheckpointDType
    public let shape: [Int]
    /// Every element as a Float: exact for float32, float16 and bfloat16; rounded for float64 and for
    /// integers beyond 2²⁴.
    public let values: [Float]
    /// The exact values of an integer or boolean tensor (`num_batches_tracked` is int64); nil for floats.
    public let integers: [Int64]?

    public init(dtype: CheckpointDType, shape: [Int], values: [Float], integers: [Int64]? = nil) {
        self.dtype = dtype
        self.shape = shape
        self.values = values
        self.integers = integers
    }

    /// Number of elements.
    public var count: Int { values.count }

    /// Copies `shape` elements out of raw little-endian storage bytes, element `offset` first and `strides`
    /// (in elements) apart, into a contiguous tensor. The caller has checked that every index it reaches
    /// lies inside `storage`.
    static func gather(
        _ storage: UnsafeRawBufferPointer, dtype: CheckpointDType, offset: Int, shape: [Int], strides: [Int]
    ) -> CheckpointTensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        var integers: [Int64]? = dtype.isFloatingPoint ? nil : [Int64](repeating: 0, count: n)
        guard n > 0 else { return CheckpointTensor(dtype: dtype, shape: shape, values: values, integers: integers) }
        let contiguousStrides = Self.contiguousStrides(shape)
        let contiguous = zip(shape, zip(strides, contiguousStrides)).allSatisfy { $0 == 1 || $1.0 == $1.1 }
        values.withUnsafeMutableBufferPointer { out in
            if contiguous && dtype == .float32 {
                // The common case: one copy of the bytes (the host is little-endian like the file).
                let src = storage.baseAddress! + offset * 4
                UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: src, byteCount: n * 4)
                return
            }
            // An odometer over the shape walks the strided storage in row-major order.
            var counter = [Int](repeating: 0, count: shape.count)
            var index = offset
            for i in 0..<n {
                let (f, exact) = decode(storage, dtype, at: index)
                out[i] = f
                if let exact { integers![i] = exact }
                var axis = shape.count - 1
                while axis >= 0 {
                    counter[axis] += 1
                    index += strides[axis]
                    if counter[axis] < shape[axis] { break }
                    index -= strides[axis] * shape[axis]
                    counter[axis] = 0
                    axis -= 1
                }
            }
        }
        return CheckpointTensor(dtype: dtype, shape: shape, values: values, integers: integers)
    }

    /// Row-major strides of a contiguous tensor of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for axis in shape.indices.reversed() {
            strides[axis] = s
            s *= shape[axis]
        }
        return strides
    }

    /// Element `index` of `storage` as a Float, plus its exact integer value for integer types.
    @inline(__always)
    private static func decode(
        _ storage: UnsafeRawBufferPointer, _ dtype: CheckpointDType, at index: Int
    ) -> (Float, Int64?) {
        let at = index * dtype.size
        switch dtype {
        case .float32:
            return (Float(bitPattern: storage.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian), nil)
        case .float64:
            let bits = storage.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
            return (Float(Double(bitPattern: bits)), nil)
        case .float16:
            let bits = storage.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian
            return (Float(Float16(bitPattern: bits)), nil)
        case .bfloat16:
            let bits = storage.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian
            return (Float(bitPattern: UInt32(bits) << 16), nil)
        case .int64:
            let v = Int64(littleEndian: storage.loadUnaligned(fromByteOffset: at, as: Int64.self))
            return (Float(v), v)
        case .int32:
            let v = Int64(Int32(littleEndian: storage.loadUnaligned(fromByteOffset: at, as: Int32.self)))
            return (Float(v), v)
        case .int16:
            let v = Int64(Int16(littleEndian: storage.loadUnaligned(fromByteOffset: at, as: Int16.self)))
            return (Float(v), v)
        case .int8:
            let v = Int64(storage.load(fromByteOffset: at, as: Int8.self))
            return (Float(v), v)
        case .uint8, .bool:
            let v = Int64(storage[at])
            return (Float(v), v)
        }
    }
}
