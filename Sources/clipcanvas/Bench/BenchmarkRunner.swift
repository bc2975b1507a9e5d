import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One timed case of `clipcanvas bench`: `prepare` builds the inputs (not timed) and returns the
/// body, which is timed once per run.
struct BenchmarkCase {
    let name: String
    /// Floating-point operations of one run, when counting them means something.
    let flops: Double?
    let prepare: () -> () -> Void

    init(_ name: String, flops: Double? = nil, prepare: @escaping () -> () -> Void) {
        self.name = name
        self.flops = flops
        self.prepare = prepare
    }
}

struct BenchmarkResult: Encodable {
    let name: String
    let median_ms: Double
    let min_ms: Double
    let max_ms: Double
    let runs: Int
    let gflops: Double?
    /// Peak resident memory of the whole process so far (getrusage), in MB.
    let peak_rss_mb: Double
}

/// Warm-up, then repeated runs until both a minimum count and a minimum time are reached.
struct BenchmarkRunner {
    var warmupRuns = 1
    var minimumRuns = 5
    var maximumRuns = 200
    var minimumSeconds = 1.0

    func run(_ benchmark: BenchmarkCase) -> BenchmarkResult {
        let body = benchmark.prepare()
        for _ in 0..<warmupRuns { body() }
        var times: [Double] = []
        let start = monotonicSeconds()
        while times.count < maximumRuns && (times.count < minimumRuns || monotonicSeconds() - start < minimumSeconds) {
            let before = monotonicSeconds()
            body()
            times.append(monotonicSeconds() - before)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        return BenchmarkResult(
            name: benchmark.name, median_ms: median * 1000, min_ms: times[0] * 1000, max_ms: times[times.count - 1] * 1000,
            runs: times.count, gflops: benchmark.flops.map { $0 / median / 1e9 }, peak_rss_mb: peakResidentMegabytes())
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Linux reports ru_maxrss in kilobytes.
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
