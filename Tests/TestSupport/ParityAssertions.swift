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
