import Engine
import Foundation

/// Problems found while reading or writing a `.safetensors` file. Each names the file and, where it
/// applies, the tensor.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case malformedHeader(file: String, reason: String)
    case badTensor(file: String, tensor: String, reason: String)
    case missingTensor(file: String, tensor: String)
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read it as a model or checkpoint: \(r)"
        case .malformedHeader(let f, let r):
            return "\(f): not a valid safetensors file: \(r). Re-export the model or check the download."
        case .badTensor(let f, let t, let r): return "\(f): tensor '\(t)': \(r)"
        case .missingTensor(let f, let t): return "\(f): no tensor named '\(t)'"
        case .unwritable(let f, let r): return "\(f): cannot write: \(r)"
        }
    }
}

/// Element types we read. Data is little-endian as the format prescribes.
package enum SafeTensorsDType: String, Sendable, Hashable {
    case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    package var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }
}

/// A `.safetensors` file held in memory: an 8-byte little-endian header length, a JSON header mapping
/// names to dtype/shape/data offsets (plus an optional string map `__metadata__`), then the raw data.
/// Every entry is validated on load: dtype known, shape non-negative, offsets inside the data and
/// consistent with the shape, no overlapping ranges.
public struct SafeTensorsFile {
    package struct Entry: Sendable {
        package let dtype: SafeTensorsDType
        package let shape: [Int]
        package let range: Range<Int>  // byte range inside the data section
    }

    public let file: String
    public let metadata: [String: String]
    package let entries: [String: Entry]
    private let bytes: Data
    private let dataStart: Int

    public var names: [String] { entries.keys.sorted() }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try FileReading.contents(of: url, limit: Self.maximumFileBytes, mapped: true) } catch let e
            as FileReadingError
        {
            throw SafeTensorsError.unreadable(file: url.path, reason: e.reason)
        }
        try self.init(data: data, file: url.path)
    }

    /// Model files and checkpoints larger than this are refused before they are read.
    public static let maximumFileBytes = 16 << 30

    package init(data: Data, file: String) throws {
        self.file = file
        self.bytes = data
        guard data.count >= 8 else {
            throw SafeTensorsError.malformedHeader(
                file: file, reason: "file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw SafeTensorsError.malformedHeader(
                file: file,
                reason: "its first 8 bytes give a header length of \(headerLength) for a file of \(data.count) bytes, "
                    + "so it is not a safetensors file (an ONNX or PyTorch file, say)")
        }
        let start = data.startIndex + 8
        let headerData = data.subdata(in: start..<(start + Int(headerLength)))
        dataStart = 8 + Int(headerLength)
        let dataSize = data.count - dataStart
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw SafeTensorsError.malformedHeader(file: file, reason: "header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw SafeTensorsError.malformedHeader(file: file, reason: "header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw SafeTensorsError.malformedHeader(file: file, reason: "__metadata__ is not an object")
                }
                for (k, v) in map {
                    guard let s = v as? String else {
                        throw SafeTensorsError.malformedHeader(file: file, reason: "__metadata__.\(k) is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else {
                throw SafeTensorsError.badTensor(file: file, tensor: name, reason: "entry is not an object")
            }
            guard let dtypeName = info["dtype"] as? String, let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw SafeTensorsError.badTensor(
                    file: file, tensor: name, reason: "unknown dtype \(info["dtype"] ?? "nil")")
            }
            guard let shapeAny = info["shape"] as? [Any] else {
                throw SafeTensorsError.badTensor(file: file, tensor: name, reason: "missing shape")
            }
            var shape: [Int] = []
            for d in shapeAny {
                guard let n = d as? NSNumber, n.int64Value >= 0, n.int64Value < Int64(Int32.max),
                    Double(n.int64Value) == n.doubleValue
                else {
                    throw SafeTensorsError.badTensor(file: file, tensor: name, reason: "invalid dimension \(d)")
                }
                shape.append(n.intValue)
            }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                let b = offsets[0] as? NSNumber, let e = offsets[1] as? NSNumber,
                b.int64Value >= 0, e.int64Value >= b.int64Value
            else {
                throw SafeTensorsError.badTensor(file: file, tensor: name, reason: "invalid data_offsets")
            }
            guard e.int64Value <= Int64(dataSize) else {
                throw SafeTensorsError.badTensor(
                    file: file, tensor: name,
                    reason: "data_offsets end \(e) beyond the data section (\(dataSize) bytes); file truncated?")
            }
            var elements = 1
            for d in shape {
                let (r, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else {
                    throw SafeTensorsError.badTensor(file: file, tensor: name, reason: "shape \(shape) overflows")
                }
                elements = r
            }
            let range = b.intValue..<e.intValue
            guard range.count == elements * dtype.size else {
                throw SafeTensorsError.badTensor(
                    file: file, tensor: name,
                    reason: "\(range.count) bytes do not match shape \(shape) of \(dtype.rawValue)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: range)
        }
        let sorted = entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.range.upperBound > b.value.range.lowerBound {
            throw SafeTensorsError.badTensor(file: file, tensor: b.key, reason: "data overlaps tensor '\(a.key)'")
        }
        self.metadata = metadata
        self.entries = entries
    }

    private func raw(_ entry: Entry) -> Data {
        let s = bytes.startIndex + dataStart
        return bytes.subdata(in: (s + entry.range.lowerBound)..<(s + entry.range.upperBound))
    }

    /// The named tensor converted to Float32 (from F32, F64, F16, BF16 or any integer type).
    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(file: file, tensor: name) }
        let raw = raw(entry)
        let n = entry.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: n)
        raw.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            for i in 0..<n {
                switch entry.dtype {
                case .f32:
                    out[i] = Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                case .f64:
                    out[i] = Float(
                        Double(bitPattern: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian))
                case .f16:
                    out[i] = Float(
                        Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
                case .bf16:
                    out[i] = Float(
                        bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16
                    )
                case .i64: out[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                case .i32: out[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .i16: out[i] = Float(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .i8: out[i] = Float(src.load(fromByteOffset: i, as: Int8.self))
                case .u8, .bool: out[i] = Float(src[i])
                }
            }
        }
        return (entry.shape, out)
    }

    /// The named tensor as a `Tensor` (Float32).
    package func tensor(_ name: String) throws -> Tensor {
        let (shape, values) = try floats(name)
        return Tensor(shape: shape, values: values)
    }

    /// The named U8 tensor's bytes.
    package func bytes(_ name: String) throws -> (shape: [Int], values: [UInt8]) {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(file: file, tensor: name) }
        guard entry.dtype == .u8 else {
            throw SafeTensorsError.badTensor(
                file: file, tensor: name, reason: "expected U8, found \(entry.dtype.rawValue)")
        }
        return (entry.shape, [UInt8](raw(entry)))
    }
}

/// Builds a `.safetensors` file: Float32 tensors (and I64 scalars) plus string metadata, written atomically.
package struct SafeTensorsWriter {
    private var items: [(name: String, dtype: SafeTensorsDType, shape: [Int], data: Data)] = []
    package var metadata: [String: String] = [:]

    package init(metadata: [String: String] = [:]) { self.metadata = metadata }

    package mutating func add(_ name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        precondition(values.count == shape.reduce(1, *), "\(name): values do not fill \(shape)")
        items.append((name, .f32, shape, Data(buffer: values)))
    }

    package mutating func add(_ name: String, _ tensor: Tensor) {
        add(name, shape: tensor.shape, values: UnsafeBufferPointer(tensor.buffer))
    }

    package mutating func add(_ name: String, int64 value: Int64) {
        var v = value.littleEndian
        items.append((name, .i64, [], Data(bytes: &v, count: 8)))
    }

    /// The encoded file.
    package func encoded() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for item in items {
            header[item.name] =
                [
                    "dtype": item.dtype.rawValue, "shape": item.shape,
                    "data_offsets": [offset, offset + item.data.count],
                ] as [String: Any]
            offset += item.data.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }  // pad so data starts 8-byte aligned
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        out.append(Data(bytes: &length, count: 8))
        out.append(json)
        for item in items { out.append(item.data) }
        return out
    }

    /// Writes to `url` via a temporary file in the same folder and a rename, so a crash never leaves a
    /// half-written file in place.
    package func write(to url: URL) throws {
        let data: Data
        do { data = try encoded() } catch {
            throw SafeTensorsError.unwritable(file: url.path, reason: "cannot encode header: \(error)")
        }
        do { try AtomicFile.write(data, to: url) } catch {
            throw SafeTensorsError.unwritable(file: url.path, reason: "\(error)")
        }
    }
}
