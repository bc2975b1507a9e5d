import Foundation
import XCTest

/// oneDNN's OpenMP threads and OpenBLAS's workers must sleep between calls, not spin against
/// ours: CThreadWaitPolicy restarts the process with OMP_WAIT_POLICY=passive and
/// OPENBLAS_THREAD_TIMEOUT=4 where they are unset, before either library reads them.
final class ThreadWaitPolicyTests: XCTestCase {
    func testLibraryWaitPoliciesAreSetBeforeLaunch() {
        let environment = ProcessInfo.processInfo.environment
        XCTAssertNotNil(environment["OMP_WAIT_POLICY"])
        XCTAssertNotNil(environment["OPENBLAS_THREAD_TIMEOUT"])
    }
}
