import XCTest

/// Max |actual − expected| relative to the largest |expected|: one number per comparison, as
/// llm.c's test prints, robust to the scale of each quantity.
public func assertMatches(
    _ actual: [Float], _ expected: [Float], relative tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
    guard actual.count == expected.count, !expected.isEmpty else { return }
    let scale = max(expected.map(abs).max()!, 1e-12)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max()!
    print("parity \(what): max |diff| \(worst) (relative \(worst / scale), tolerance \(tolerance))")
    XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): max |diff| \(worst) at scale \(scale)", file: file, line: line)
}

/// |actual − expected| / |expected| in the Euclidean norm, and the largest single difference
/// relative to the largest |expected|, checked only when `largest` is given: for gradients that
/// went back through a deep network, where float32 rounding flips a few units and moves single
/// elements by far more than it moves the whole (RN101's input gradient: CLIPParityTests; U-Net
/// weights behind instance norms: the step-parity tests). Returns the norm ratio.
@discardableResult
public func assertMatchesInNorm<Expected: BinaryFloatingPoint>(
    _ actual: [Float], _ expected: [Expected], relative tolerance: Double, largest largestTolerance: Double? = nil, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) -> Double {
    XCTAssertEqual(actual.count, expected.count, "\(what): value count", file: file, line: line)
    guard actual.count == expected.count, !expected.isEmpty else { return .infinity }
    let differences = zip(actual, expected).map { Double($0) - Double($1) }
    let norm = expected.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let ratio = differences.reduce(0.0) { $0 + $1 * $1 }.squareRoot() / max(norm, 1e-30)
    let largest = differences.map(abs).max()! / max(Double(expected.map { abs($0) }.max()!), 1e-30)
    print(
        "parity \(what): |diff| / |reference| \(ratio) (tolerance \(tolerance)), largest single difference \(largest) of the largest value")
    XCTAssertLessThanOrEqual(ratio, tolerance, "\(what): |diff| / |reference| = \(ratio)", file: file, line: line)
    if let largestTolerance {
        XCTAssertLessThanOrEqual(
            largest, largestTolerance, "\(what): largest difference \(largest) of the largest value", file: file, line: line)
    }
    return ratio
}
