import Foundation
import Methods
import Models

#if canImport(Glibc)
    import Glibc
#endif

/// One timed case of `clipcanvas bench`: `prepare` builds the inputs (not timed) and returns the
/// body, which is timed once per run.
struct BenchmarkCase {
    let name: String
    /// Floating-point operations of one run, when counting them means something.
    let flops: Double?
    /// Builds the inputs and returns the timed body, which may report how long its stages took.
    let prepare: () -> () -> [StageTime]
    /// Runs a CLIP image tower, so `--precision` applies (the case builds its model with
    /// `BenchSettings.precision`).
    var followsPrecision = false
    /// The float32 bound of the case (its unavoidable matmul and convolution work), when it has
    /// one; `bench` times it at the sgemm rate it measures.
    var bound: StepBound? = nil

    /// This case with its float32 bound.
    func bounded(by bound: StepBound) -> BenchmarkCase {
        var marked = self
        marked.bound = bound
        return marked
    }

    /// This case, marked as running a CLIP image tower.
    func followingPrecision() -> BenchmarkCase {
        var marked = self
        marked.followsPrecision = true
        return marked
    }

    init(_ name: String, flops: Double? = nil, prepare: @escaping () -> () -> Void) {
        self.name = name
        self.flops = flops
        self.prepare = {
            let body = prepare()
            return {
                body()
                return []
            }
        }
    }

    /// A case whose body is a method step reporting its stages (`iter.*`): the result lists each
    /// stage's median next to the total.
    static func staged(_ name: String, prepare: @escaping () -> () -> [StageTime]) -> BenchmarkCase {
        BenchmarkCase(name: name, flops: nil, prepare: prepare)
    }

    private init(name: String, flops: Double?, prepare: @escaping () -> () -> [StageTime]) {
        self.name = name
        self.flops = flops
        self.prepare = prepare
    }
}

struct BenchmarkResult: Encodable {
    var name: String
    let median_ms: Double
    let min_ms: Double
    let max_ms: Double
    let runs: Int
    let gflops: Double?
    /// Peak resident memory of the whole process so far (getrusage), in MB.
    let peak_rss_mb: Double
    /// Median milliseconds of each stage of a method step, in the order they run.
    let stages_ms: [String: Double]?
    /// The image tower's precision, for cases that run one.
    var precision: String? = nil
    var threads: Int? = nil
    /// `--reference`: the PyTorch reference's median for the same work, where it came from, its
    /// peak memory, and how many times faster ours is.
    var reference_ms: Double? = nil
    var reference_source: String? = nil
    var reference_peak_mb: Double? = nil
    var speedup_vs_reference: Double? = nil
    /// The float32 bound (`StepBound`): its work, the stage it covers (nil: the whole case), the
    /// sgemm rate measured in this run, and the fraction of the bound the case reached.
    var bound_gflop: Double? = nil
    var bound_stage: String? = nil
    var sgemm_gflops: Double? = nil
    var bound_fraction: Double? = nil
}

/// What `bench --precision` chose for the case being prepared (cases build their models lazily,
/// one setting at a time).
enum BenchSettings {
    nonisolated(unsafe) static var precision = CLIPPrecision.fp32

    /// A CLIP model of a known architecture with synthetic weights, in the chosen precision.
    static func model(_ name: String) -> CLIPModel {
        let architecture = CLIPArchitecture.known[name]!
        let model = try! CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: name)
        try! model.use(precision)
        return model
    }
}

/// Warm-up, then repeated runs until both a minimum count and a minimum time are reached.
struct BenchmarkRunner {
    var warmupRuns = 1
    var minimumRuns = 5
    var maximumRuns = 200
    var minimumSeconds = 1.0

    func run(_ benchmark: BenchmarkCase) -> BenchmarkResult {
        let body = benchmark.prepare()
        for _ in 0..<warmupRuns { _ = body() }
        var times: [Double] = []
        var stageTimes: [String: [Double]] = [:]
        let start = monotonicSeconds()
        while times.count < maximumRuns && (times.count < minimumRuns || monotonicSeconds() - start < minimumSeconds) {
            let before = monotonicSeconds()
            let stages = body()
            times.append(monotonicSeconds() - before)
            for stage in stages { stageTimes[stage.stage, default: []].append(stage.seconds) }
        }
        let medianSeconds = median(times)
        return BenchmarkResult(
            name: benchmark.name, median_ms: medianSeconds * 1000, min_ms: times.min()! * 1000, max_ms: times.max()! * 1000,
            runs: times.count, gflops: benchmark.flops.map { $0 / medianSeconds / 1e9 }, peak_rss_mb: peakResidentMegabytes(),
            stages_ms: stageTimes.isEmpty ? nil : stageTimes.mapValues { median($0) * 1000 })
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
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
