import Tensor

/// Problems with a set of weights as a model, each with a message a user can act on.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingTensor(name: String, model: String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case unrecognisedArchitecture(String)

    public var description: String {
        switch self {
        case .missingTensor(let name, let model):
            return "the weights have no tensor \"\(name)\" needed by \(model); is this a CLIP checkpoint?"
        case .wrongShape(let name, let expected, let found):
            return "tensor \"\(name)\" has shape \(found), expected \(expected)"
        case .unrecognisedArchitecture(let detail):
            return "cannot tell which CLIP architecture these weights are: \(detail)"
        }
    }
}

/// Named tensors with checked access, consumed while the model is built so each weight is held
/// once (by the model) rather than twice.
struct WeightTable {
    private var tensors: [String: Tensor]
    let modelName: String

    init(_ tensors: [String: Tensor], modelName: String) {
        self.tensors = tensors
        self.modelName = modelName
    }

    /// The tensor `name`, reshaped to `shape` when only the element count must agree (e.g. a
    /// 1x1 conv kernel stored 4-D).
    mutating func take(_ name: String, _ shape: [Int]) throws -> Tensor {
        guard let tensor = tensors.removeValue(forKey: name) else {
            throw ModelError.missingTensor(name: name, model: modelName)
        }
        guard tensor.shape == shape else {
            throw ModelError.wrongShape(name: name, expected: shape, found: tensor.shape)
        }
        tensor.requiresGrad = false
        return tensor
    }

    mutating func takeScalar(_ name: String) throws -> Float {
        guard let tensor = tensors.removeValue(forKey: name) else {
            throw ModelError.missingTensor(name: name, model: modelName)
        }
        guard tensor.count == 1 else { throw ModelError.wrongShape(name: name, expected: [], found: tensor.shape) }
        return tensor.pointer[0]
    }
}
