/// What the unpickler builds from a checkpoint's pickle: plain data, never live objects. Python
/// classes become `object` values (class name and state) and tensors become references into the
/// archive's storages, so reading a pickle can only ever produce data.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// Keys in insertion order (state dicts are OrderedDicts).
    case dict([(key: PickleValue, value: PickleValue)])
    case tensor(TensorReference)
    /// An instance of an allowed class (TorchScript modules: `__torch__.…`) with its state.
    case object(className: String, state: PickleValue)
    /// A storage outside any tensor, or an allowed global not called (an argument to
    /// `_rebuild_from_type_v2`).
    case storage(StorageReference)
    case global(PickleGlobal)

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    var isDict: Bool {
        if case .dict = self { return true }
        return false
    }

    /// The elements of a tuple or list.
    var elements: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }

    /// The value under a string key of a dict.
    subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { $0.key.string == key }?.value
    }
}

/// A tensor storage in a PyTorch archive: the raw bytes at `<archive>/data/<key>`.
struct StorageReference: Hashable {
    let key: String
    /// The pickled storage class without "torch." (`HalfStorage`).
    let storageClass: String
    /// Elements, not bytes.
    let count: Int
}

/// What `torch._utils._rebuild_tensor_v2` would rebuild: a strided view into a storage.
struct TensorReference {
    let storage: StorageReference
    let layout: StridedLayout
}
