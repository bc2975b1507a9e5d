/// The Python globals a checkpoint's pickle may name, and what "calling" each builds.
///
/// Python's unpickler imports whatever module and function a pickle names and calls it — which
/// is how a malicious checkpoint runs code. Here a global is only a token from this list; any
/// other name is refused before anything is built. The list is what PyTorch writes for tensors
/// and state dicts, plus TorchScript's module classes and list helpers inside `.pt` archives.
enum PickleGlobal {
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)`.
    case rebuildTensor
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)`.
    case rebuildParameterWithState
    /// `torch._tensor._rebuild_from_type_v2(function, type, arguments, state)`.
    case rebuildFromType
    /// `torch.Tensor` or `torch.nn.parameter.Parameter`, as the type `_rebuild_from_type_v2` restores.
    case tensorType
    /// `collections.OrderedDict`.
    case orderedDict
    /// `torch.HalfStorage` and the other storage classes, named without "torch.".
    case storageClass(String)
    /// A TorchScript module class (`__torch__.multimodal.model.multimodal_transformer.Multimodal`).
    case scriptClass(String)
    /// `torch.jit._pickle.build_intlist` and its siblings: they return their list argument.
    case scriptListBuilder
    /// `torch.jit._pickle.restore_type_tag(value, type_name)`: returns `value`.
    case scriptTypeTag

    /// The token for `module.name`, or nil when the name is not allowed. TorchScript names only
    /// resolve inside TorchScript archives.
    init?(module: String, name: String, inTorchScript: Bool) {
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch._tensor", "_rebuild_from_type_v2"): self = .rebuildFromType
        case ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"): self = .tensorType
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch", _)
        where name.hasSuffix("Storage") && name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }):
            self = .storageClass(name)
        case ("torch.jit._pickle", "build_intlist"), ("torch.jit._pickle", "build_doublelist"),
            ("torch.jit._pickle", "build_boollist"), ("torch.jit._pickle", "build_tensorlist"):
            guard inTorchScript else { return nil }
            self = .scriptListBuilder
        case ("torch.jit._pickle", "restore_type_tag"):
            guard inTorchScript else { return nil }
            self = .scriptTypeTag
        case _ where module == "__torch__" || module.hasPrefix("__torch__."):
            guard inTorchScript else { return nil }
            self = .scriptClass(module + "." + name)
        default:
            return nil
        }
    }

    /// What calling the global with `arguments` returns. Containers that are filled after they
    /// are built (OrderedDict, TorchScript objects) are made by the unpickler itself.
    func call(_ arguments: [PickleValue], file: String) throws -> PickleValue {
        let invalid = WeightError.malformed(file: file, reason: "unexpected arguments to \(self)")
        switch self {
        case .rebuildTensor, .rebuildTensorV2:
            guard arguments.count >= 4, case .storage(let storage) = arguments[0], let offset = arguments[1].int,
                let shape = arguments[2].elements?.compactMap(\.int),
                let strides = arguments[3].elements?.compactMap(\.int),
                shape.count == arguments[2].elements?.count, strides.count == arguments[3].elements?.count
            else { throw invalid }
            return .tensor(
                TensorReference(storage: storage, layout: StridedLayout(shape: shape, strides: strides, offset: offset))
            )
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = arguments.first, case .tensor = data else { throw invalid }
            return data
        case .rebuildFromType:
            guard arguments.count >= 3, case .global(let function) = arguments[0],
                case .global(.tensorType) = arguments[1],
                let functionArguments = arguments[2].elements
            else { throw invalid }
            return try function.call(functionArguments, file: file)
        case .scriptListBuilder, .scriptTypeTag:
            guard let value = arguments.first else { throw invalid }
            return value
        case .tensorType, .orderedDict, .storageClass, .scriptClass:
            throw WeightError.malformed(file: file, reason: "the pickle calls \(self) as a function")
        }
    }
}

extension PickleGlobal: CustomStringConvertible {
    var description: String {
        switch self {
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .rebuildFromType: return "torch._tensor._rebuild_from_type_v2"
        case .tensorType: return "torch.Tensor"
        case .orderedDict: return "collections.OrderedDict"
        case .storageClass(let name): return "torch." + name
        case .scriptClass(let name): return name
        case .scriptListBuilder: return "torch.jit._pickle.build_list"
        case .scriptTypeTag: return "torch.jit._pickle.restore_type_tag"
        }
    }
}
