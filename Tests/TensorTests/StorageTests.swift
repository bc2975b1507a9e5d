import Tensor
import XCTest

final class StorageTests: XCTestCase {
    /// A freed large block is handed to the next allocation of the same size, and zeroed
    /// storage is still zero after reuse.
    func testLargeBlocksAreReusedAndZeroedOnRequest() {
        let count = 300_000  // 1.2 MB: above the cache's 1 MB minimum
        var first: Tensor? = Tensor(repeating: 7, shape: [count])
        let address = first!.pointer
        first = nil
        let second = Tensor(zeros: [count])
        XCTAssertEqual(second.pointer, address)
        XCTAssertTrue(second.values.allSatisfy { $0 == 0 })
        // Another size gets its own block.
        let third = Tensor(zeros: [count + 1])
        XCTAssertNotEqual(third.pointer, address)
        XCTAssertTrue(third.values.allSatisfy { $0 == 0 })
    }
}
