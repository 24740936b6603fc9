import Engine

/// Element type of a checkpoint tensor, whichever format it came from. Data is little-endian.
public enum CheckpointDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16
    case int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Whether the values are floating point (the others keep their exact integers too).
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    /// The element type of a typed PyTorch storage class (`torch.FloatStorage` → `FloatStorage`).
    /// `UntypedStorage` is a plain byte buffer.
    init?(storageClass name: String) {
        switch name {
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage", "UntypedStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// The same element type as safetensors names it.
    init(_ d: SafeTensorsDType) {
        switch d {
        case .f32: self = .float32
        case .f64: self = .float64
        case .f16: self = .float16
        case .bf16: self = .bfloat16
        case .i64: self = .int64
        case .i32: self = .int32
        case .i16: self = .int16
        case .i8: self = .int8
        case .u8: self = .uint8
        case .bool: self = .bool
        }
    }
}
