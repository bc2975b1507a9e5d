import ArgumentParser
import Foundation

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

    func validate() throws {
        guard minRuns >= 1 else { throw ValidationError("--min-runs must be at least 1") }
        guard minSeconds >= 0 else { throw ValidationError("--min-seconds cannot be negative") }
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
        let runner = BenchmarkRunner(minimumRuns: minRuns, minimumSeconds: minSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if !json {
            print("case".padding(toLength: 34, withPad: " ", startingAt: 0) + "median ms    min ms    max ms  runs   GFLOP/s  peak MB")
        }
        for benchmark in selected {
            let result = runner.run(benchmark)
            if json {
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(tableRow(result))
                if let stages = result.stages_ms {
                    let breakdown = stages.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f", $0.key, $0.value) }
                    print("    stages (median ms): " + breakdown.joined(separator: ", "))
                }
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
            + WatchBenchmarks.cases
    }
}
