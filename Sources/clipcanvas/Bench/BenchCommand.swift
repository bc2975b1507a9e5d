import ArgumentParser
import Foundation
import Models
import Tensor

/// `clipcanvas bench`: speed and memory figures, never asserted by tests (timings belong here).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine's kernels and method steps.",
        discussion: """
            Build with `swift build -c release` first: debug builds are many times slower.
            Each case is warmed up, then run until it has both --min-runs runs and --min-seconds \
            of timing. Times are milliseconds per run; peak MB (peak_rss_mb) is the process's \
            peak resident memory so far: run one case with --only for its own.
            """)

    @Option(help: "Run only the cases whose name contains this text.")
    var only: String?

    @Flag(help: "Print one JSON object per case and line.")
    var json = false

    @Flag(help: "List the case names and exit.")
    var list = false

    @Option(help: "Minimum timed runs per case.")
    var minRuns = 5

    @Option(help: "Minimum timed seconds per case.")
    var minSeconds = 1.0

    @Option(
        help: ArgumentHelp(
            "Precisions of the CLIP image tower to run each CLIP case at, comma-separated (fp32, int8, bf16), e.g. fp32,int8.",
            valueName: "list"))
    var precision = "fp32"

    @Option(
        help: ArgumentHelp(
            "Thread counts to run each case at, comma-separated, e.g. 1,2; prints the speed-up over the first. Default: all cores.",
            valueName: "list"))
    var threads: String?

    @Option(
        help: ArgumentHelp(
            "A folder of PyTorch reference results (../shared/anchors/results, as run_all.sh writes it): print each case's speed-up over the reference.",
            valueName: "dir"))
    var reference: String?

    func validate() throws {
        guard minRuns >= 1 else { throw ValidationError("--min-runs must be at least 1") }
        guard minSeconds >= 0 else { throw ValidationError("--min-seconds cannot be negative") }
        _ = try precisions()
        _ = try threadCounts()
    }

    /// `--precision` as a list; every entry must be a known precision this CPU can run.
    func precisions() throws -> [CLIPPrecision] {
        let names = precision.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = try names.map { name -> CLIPPrecision in
            guard let value = CLIPPrecision(rawValue: name) else {
                throw ValidationError(
                    "--precision takes fp32, int8 or bf16 (or a comma-separated list of them), got \"\(name)\"")
            }
            if let reason = value.unavailableReason { throw ValidationError("--precision \(name): \(reason)") }
            return value
        }
        guard Set(values).count == values.count else { throw ValidationError("--precision lists \(precision): a precision twice") }
        return values
    }

    /// `--threads` as a list of counts of at least 1; nil: leave the thread count as it is.
    func threadCounts() throws -> [Int]? {
        guard let threads else { return nil }
        let counts = threads.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--threads takes thread counts of at least 1, comma-separated, e.g. --threads 1,2; got \"\(threads)\"")
        }
        return counts.map { $0! }
    }

    func run() throws {
        let selected = BenchmarkCatalog.all.filter { only == nil || $0.name.contains(only!) }
        if list {
            for benchmark in selected { print(benchmark.name) }
            return
        }
        guard !selected.isEmpty else {
            throw ValidationError("no benchmark case contains \"\(only ?? "")\"; see `clipcanvas bench --list`")
        }
        #if DEBUG
            FileHandle.standardError.write(Data("warning: this is a debug build; timings are not meaningful (use -c release)\n".utf8))
        #endif
        let anchors = try reference.map(ReferenceAnchors.init(directory:))
        let runner = BenchmarkRunner(minimumRuns: minRuns, minimumSeconds: minSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if !json {
            print("case".padding(toLength: 34, withPad: " ", startingAt: 0) + "median ms    min ms    max ms  runs   GFLOP/s  peak MB")
        }
        let precisions = try precisions()
        let threadCounts = try threadCounts()
        let sgemmRate = selected.contains { $0.bound != nil } ? measureSgemmRate(runner) : nil
        let sgemmThreads = Parallel.coreCount
        if !json { printBoundAndReferenceSettings(sgemmRate: sgemmRate, anchors: anchors) }
        for benchmark in selected {
            // Every setting of one case runs back to back, so the ratios printed below compare
            // runs minutes apart, not a whole bench apart.
            var medians: [CLIPPrecision?: [Int: Double]] = [:]
            for precision in benchmark.followsPrecision ? precisions.map(Optional.some) : [nil] {
                BenchSettings.precision = precision ?? .fp32
                for threads in threadCounts ?? [Parallel.coreCount] {
                    if threadCounts != nil { Parallel.useThreads(threads) }
                    var result = runner.run(benchmark)
                    result.precision = precision?.rawValue
                    result.threads = threads
                    compare(&result, bound: benchmark.bound, sgemmRate: sgemmRate, sgemmThreads: sgemmThreads, anchors: anchors)
                    medians[precision, default: [:]][threads] = result.median_ms
                    if json {
                        print(String(decoding: try encoder.encode(result), as: UTF8.self))
                        continue
                    }
                    var labels: [String] = []
                    if precisions.count > 1, let precision { labels.append(precision.rawValue) }
                    if threadCounts != nil { labels.append("\(threads)t") }
                    if !labels.isEmpty { result.name += " [" + labels.joined(separator: ", ") + "]" }
                    print(tableRow(result))
                    if let stages = result.stages_ms {
                        let breakdown = stages.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f", $0.key, $0.value) }
                        print("    stages (median ms): " + breakdown.joined(separator: ", "))
                    }
                    printComparison(result)
                }
            }
            if !json { printRatios(medians, threads: threadCounts) }
        }
    }

    /// The sgemm rate (GFLOP/s) of the float32 bound, measured now: the 400x768x3072 product
    /// CLIP's ViT-B/32 MLP runs, the shape perf-baseline.md's anchors time.
    private func measureSgemmRate(_ runner: BenchmarkRunner) -> Double {
        let sgemm = TensorBenchmarks.cases.first { $0.name == "sgemm.400x768x3072" }!
        return runner.run(sgemm).gflops!
    }

    private func printBoundAndReferenceSettings(sgemmRate: Double?, anchors: ReferenceAnchors?) {
        if let sgemmRate {
            print(
                String(
                    format: "float32 bound: FLOPs at sgemm 400x768x3072's %.1f GFLOP/s (%@'s sgemm), measured now", sgemmRate,
                    GemmRouting.usesOneDNN ? "oneDNN" : "OpenBLAS"))
        }
        guard let anchors else { return }
        let (torch, numpy) = anchors.sgemmRates()
        let rates = [torch.map { String(format: "torch.mm %.1f", $0) }, numpy.map { String(format: "numpy %.1f", $0) }].compactMap { $0 }
        print(
            "PyTorch reference: \(anchors.directory.path)"
                + (rates.isEmpty
                    ? "" : " (sgemm when it ran: " + rates.joined(separator: ", ") + " GFLOP/s; rerun it if the machine differs)"))
    }

    /// Fills in `result`'s reference figure and bound fraction, where the case has them and they
    /// were measured at the result's thread count (the sgemm rate at every core's).
    private func compare(
        _ result: inout BenchmarkResult, bound: StepBound?, sgemmRate: Double?, sgemmThreads: Int, anchors: ReferenceAnchors?
    ) {
        if let figure = anchors?.figure(for: result.name), figure.threads == nil || figure.threads == result.threads {
            result.reference_ms = figure.medianMilliseconds
            result.reference_source = figure.source
            result.reference_peak_mb = figure.peakMegabytes
            result.speedup_vs_reference = figure.medianMilliseconds / result.median_ms
        }
        if let bound, let sgemmRate, result.threads == sgemmThreads {
            let measured = bound.stage.map { result.stages_ms?[$0] } ?? result.median_ms
            guard let measured else { return }
            result.bound_gflop = bound.flops / 1e9
            result.bound_stage = bound.stage
            result.sgemm_gflops = sgemmRate
            result.bound_fraction = bound.flops / (sgemmRate * 1e9) * 1000 / measured
        }
    }

    private func printComparison(_ result: BenchmarkResult) {
        if let reference = result.reference_ms, let speedUp = result.speedup_vs_reference {
            let peak = result.reference_peak_mb.map { String(format: "; peak %.0f MB", $0) } ?? ""
            print(
                String(format: "    PyTorch reference %.0f ms (%@%@): ours %.2fx", reference, result.reference_source ?? "", peak, speedUp))
        }
        if let fraction = result.bound_fraction, let work = result.bound_gflop, let rate = result.sgemm_gflops {
            let of = result.bound_stage.map { " of stage \"\($0)\"" } ?? ""
            print(
                String(
                    format: "    float32 bound%@: %.1f GFLOP at %.1f GFLOP/s = %.0f ms: %.0f%% reached", of, work, rate, work / rate * 1000,
                    100 * fraction))
        }
    }

    /// The speed-up of each thread count over the first (with its parallel efficiency), and of
    /// each reduced precision over fp32 at the same thread count.
    private func printRatios(_ medians: [CLIPPrecision?: [Int: Double]], threads: [Int]?) {
        for (precision, byThreads) in medians.sorted(by: { ($0.key?.rawValue ?? "") < ($1.key?.rawValue ?? "") }) {
            guard let threads, let first = threads.first, let base = byThreads[first] else { continue }
            for count in threads.dropFirst() {
                guard let time = byThreads[count] else { continue }
                let speedUp = base / time
                print(
                    String(
                        format: "    %@%d threads vs %d: %.2fx (parallel efficiency %.0f%%)",
                        precision.map { $0.rawValue + ", " } ?? "", count, first, speedUp, 100 * speedUp * Double(first) / Double(count)))
            }
        }
        guard let float = medians[.some(.fp32)] else { return }
        for precision in CLIPPrecision.allCases where precision != .fp32 {
            guard let reduced = medians[.some(precision)] else { continue }
            for (count, time) in reduced.sorted(by: { $0.key < $1.key }) {
                guard let floatTime = float[count] else { continue }
                print(String(format: "    %@ vs fp32 at %d threads: %.2fx", precision.rawValue, count, floatTime / time))
            }
        }
    }

    private func tableRow(_ result: BenchmarkResult) -> String {
        func column(_ value: Double, _ width: Int, decimals: Int = 2) -> String {
            let text = String(format: "%.\(decimals)f", value)
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let gflops = result.gflops.map { column($0, 9, decimals: 1) } ?? String(repeating: " ", count: 8) + "-"
        return result.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            + column(result.median_ms, 9) + column(result.min_ms, 10) + column(result.max_ms, 10)
            + String(format: "%6d", result.runs) + gflops + column(result.peak_rss_mb, 9, decimals: 0)
    }
}

/// Every layer's benchmark cases, by the names the issues give them.
enum BenchmarkCatalog {
    static var all: [BenchmarkCase] {
        TensorBenchmarks.cases + ConvolutionBenchmarks.cases + CLIPBenchmarks.cases + RasterBenchmarks.cases + MethodBenchmarks.cases
            + WatchBenchmarks.cases + BatchBenchmarks.cases
    }
}
