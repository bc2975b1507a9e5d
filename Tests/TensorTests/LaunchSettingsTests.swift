import Foundation
import Tensor
import XCTest

/// CLaunchSettings restarts the process with the libraries' settings where they are unset,
/// before any library reads them: oneDNN's OpenMP threads and OpenBLAS's workers sleep between
/// calls, and OpenBLAS runs its AVX-512 kernels on a CPU that has them.
final class LaunchSettingsTests: XCTestCase {
    func testLibrarySettingsAreMadeBeforeLaunch() {
        let environment = ProcessInfo.processInfo.environment
        XCTAssertNotNil(environment["OMP_WAIT_POLICY"])
        XCTAssertNotNil(environment["OPENBLAS_THREAD_TIMEOUT"])
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n").first {
            $0.hasPrefix("flags")
        }
        let words = Set(flags?.split(separator: " ").map(String.init) ?? [])
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(words.contains) {
            XCTAssertNotNil(environment["OPENBLAS_CORETYPE"], "an AVX-512 CPU")
        }
    }
}
