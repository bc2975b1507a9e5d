/// The element types checkpoints store, every one of which is converted to float32 on load.
enum ElementType: Hashable {
    case float16, bfloat16, float32, float64
    case int64, int32, int16, int8, uint8, bool

    var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// PyTorch's legacy storage class names, as `torch.save` and `torch.jit.save` pickle them
    /// (`torch.HalfStorage`).
    init?(storageClass: String) {
        switch storageClass {
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// The dtype codes of the safetensors header ("F16").
    init?(safetensorsCode: String) {
        switch safetensorsCode {
        case "F16": self = .float16
        case "BF16": self = .bfloat16
        case "F32": self = .float32
        case "F64": self = .float64
        case "I64": self = .int64
        case "I32": self = .int32
        case "I16": self = .int16
        case "I8": self = .int8
        case "U8": self = .uint8
        case "BOOL": self = .bool
        default: return nil
        }
    }
}
