#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Element-wise functions of one tensor: activations and elementary functions.
///
/// Each function is a type with a value and a derivative; `pointwise` is specialised per type by
/// the compiler, so the loops are tight and vectorisable (no closure call per element).
protocol PointwiseFunction {
    static func value(_ x: Float) -> Float
    /// d value / d x, given the input `x` and the already computed output `y`.
    static func derivative(_ x: Float, _ y: Float) -> Float
}

func pointwise<F: PointwiseFunction>(_ x: Tensor, _: F.Type) -> Tensor {
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(x.count) { range in
        for i in range { out[i] = F.value(input[i]) }
    }
    result.recordIfNeeded([x]) { output, outputGrad in
        guard let (dx, accumulate) = x.gradientTarget() else { return }
        let g = outputGrad.pointer, y = output.pointer
        Parallel.forEachChunk(x.count) { range in
            if accumulate {
                for i in range { dx[i] += g[i] * F.derivative(input[i], y[i]) }
            } else {
                for i in range { dx[i] = g[i] * F.derivative(input[i], y[i]) }
            }
        }
    }
    return result
}

enum ReLU: PointwiseFunction {
    static func value(_ x: Float) -> Float { max(x, 0) }
    static func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
}

enum Sigmoid: PointwiseFunction {
    static func value(_ x: Float) -> Float { FastMath.sigmoid(x) }
    static func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
}

enum Tanh: PointwiseFunction {
    static func value(_ x: Float) -> Float { 1 - 2 / (FastMath.exp(2 * x) + 1) }
    static func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
}

/// GELU with the exact erf form, as `torch.nn.GELU()` (OpenCLIP models trained with it).
enum GELU: PointwiseFunction {
    static func value(_ x: Float) -> Float { 0.5 * x * (1 + FastMath.erf(x * 0.707_106_78)) }
    static func derivative(_ x: Float, _ y: Float) -> Float {
        let cdf = 0.5 * (1 + FastMath.erf(x * 0.707_106_78))
        let pdf = 0.398_942_28 * FastMath.exp(-0.5 * x * x)
        return cdf + x * pdf
    }
}

/// OpenAI CLIP's activation: x * sigmoid(1.702 x).
enum QuickGELU: PointwiseFunction {
    static func value(_ x: Float) -> Float { x * FastMath.sigmoid(1.702 * x) }
    static func derivative(_ x: Float, _ y: Float) -> Float {
        let s = FastMath.sigmoid(1.702 * x)
        return s + 1.702 * x * s * (1 - s)
    }
}

enum Exp: PointwiseFunction {
    static func value(_ x: Float) -> Float { FastMath.exp(x) }
    static func derivative(_ x: Float, _ y: Float) -> Float { y }
}

enum Log: PointwiseFunction {
    static func value(_ x: Float) -> Float { logf(x) }
    static func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
}

enum SquareRoot: PointwiseFunction {
    static func value(_ x: Float) -> Float { x.squareRoot() }
    static func derivative(_ x: Float, _ y: Float) -> Float { 0.5 / y }
}

enum Square: PointwiseFunction {
    static func value(_ x: Float) -> Float { x * x }
    static func derivative(_ x: Float, _ y: Float) -> Float { 2 * x }
}

enum Absolute: PointwiseFunction {
    static func value(_ x: Float) -> Float { abs(x) }
    static func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

public func relu(_ x: Tensor) -> Tensor { pointwise(x, ReLU.self) }
public func sigmoid(_ x: Tensor) -> Tensor { pointwise(x, Sigmoid.self) }
public func tanh(_ x: Tensor) -> Tensor { pointwise(x, Tanh.self) }
public func gelu(_ x: Tensor) -> Tensor { pointwise(x, GELU.self) }
public func quickGELU(_ x: Tensor) -> Tensor { pointwise(x, QuickGELU.self) }
public func exp(_ x: Tensor) -> Tensor { pointwise(x, Exp.self) }
public func log(_ x: Tensor) -> Tensor { pointwise(x, Log.self) }
public func sqrt(_ x: Tensor) -> Tensor { pointwise(x, SquareRoot.self) }
public func square(_ x: Tensor) -> Tensor { pointwise(x, Square.self) }
public func abs(_ x: Tensor) -> Tensor { pointwise(x, Absolute.self) }

/// Clamps values into [low, high]; the gradient passes where the input was inside the range
/// (PyTorch's convention, so clamped pixels stop receiving gradient).
public func clamp(_ x: Tensor, _ low: Float, _ high: Float) -> Tensor {
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(x.count) { range in
        for i in range { out[i] = min(max(input[i], low), high) }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let g = outputGrad.pointer
        Parallel.forEachChunk(x.count) { range in
            for i in range where input[i] >= low && input[i] <= high { dx[i] += g[i] }
        }
    }
    return result
}
