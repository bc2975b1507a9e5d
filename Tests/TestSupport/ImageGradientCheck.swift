import Tensor
import XCTest

/// Every augmentation is linear (or affine) in the image, so central differences with step 1e-2
/// are exact up to float32 rounding: probe every element, with a tolerance of 1e-3 relative to
/// the largest gradient.
public func checkGradient(
    of input: Tensor, tolerance: Double = 1e-3, file: StaticString = #filePath, line: UInt = #line, _ function: (Tensor) -> Tensor
) {
    checkGradients([input], tolerance: tolerance, maxProbes: input.count, file: file, line: line) { function($0[0]) }
}

/// Uniform values in [0, 1): a test image.
public func testImage(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, 0, 1, generator: &generator)
}

public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
