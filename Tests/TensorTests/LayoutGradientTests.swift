import Tensor
import TestSupport
import XCTest

final class LayoutGradientTests: XCTestCase {
    func testReshapeSharesStorageAndDifferentiates() {
        let x = randomTensor([2, 3, 4], seed: 1)
        let view = x.reshaped([6, -1])
        XCTAssertEqual(view.shape, [6, 4])
        XCTAssertTrue(view.storage === x.storage)
        checkGradients([x]) { square($0[0].reshaped([4, 6])) }
    }

    func testPermuteValuesAndGradient() {
        let x = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        let p = x.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        // p[k, i, j] = x[i, j, k] = 12 i + 4 j + k
        for k in 0..<4 {
            for i in 0..<2 {
                for j in 0..<3 {
                    XCTAssertEqual(p.values[k * 6 + i * 3 + j], Float(12 * i + 4 * j + k))
                }
            }
        }
        checkGradients([randomTensor([2, 3, 4], seed: 2)]) { $0[0].permuted([1, 2, 0]) }
        checkGradients([randomTensor([3, 5], seed: 3)]) { $0[0].transposedLastTwo() }
    }

    func testSliceConcatStack() {
        let x = Tensor(shape: [2, 5], values: (0..<10).map(Float.init))
        XCTAssertEqual(x.slice(axis: 1, start: 1, length: 3).values, [1, 2, 3, 6, 7, 8])
        let a = randomTensor([2, 3, 2], seed: 4), b = randomTensor([2, 1, 2], seed: 5)
        let joined = concat([a, b], axis: 1)
        XCTAssertEqual(joined.shape, [2, 4, 2])
        XCTAssertEqual(joined.slice(axis: 1, start: 3, length: 1).values, b.values)
        checkGradients([randomTensor([3, 6, 2], seed: 6)]) { $0[0].slice(axis: 1, start: 2, length: 3) }
        checkGradients([a, b]) { concat([$0[0], $0[1], $0[0]], axis: 1) }
        checkGradients([a, a.copy()]) { stack([$0[0], $0[1]]) }
    }

    func testPad() {
        let x = Tensor(shape: [1, 2, 2], values: [1, 2, 3, 4])
        let padded = x.padded([(1, 0), (0, 2)], value: 9)
        XCTAssertEqual(padded.shape, [1, 3, 4])
        XCTAssertEqual(padded.values, [9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9])
        checkGradients([randomTensor([2, 3, 4], seed: 7)]) { $0[0].padded([(1, 2), (0, 1), (3, 0)]) }
    }

    func testGatherRows() {
        let table = Tensor(shape: [4, 2], values: [0, 1, 10, 11, 20, 21, 30, 31])
        XCTAssertEqual(table.gatherRows([2, 0, 2]).values, [20, 21, 0, 1, 20, 21])
        checkGradients([randomTensor([5, 3], seed: 8)]) { $0[0].gatherRows([4, 1, 1, 0]) }
    }
}
