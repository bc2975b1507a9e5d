import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which implementation runs `conv2d`: ours (im2col + sgemm, Winograd; `Conv2d.swift`) or
/// oneDNN's JIT kernels (`OneDNNConvolution.swift`).
public enum ConvolutionImplementation: String, Sendable, CaseIterable {
    /// The default: for now ours throughout (see `ConvolutionRouting.usesOneDNN`).
    case automatic = "auto"
    case native
    case oneDNN = "onednn"
}

/// The choice between our convolutions and oneDNN's: `CLIPCANVAS_CONV=native|onednn|auto`
/// (default `auto`) for a whole run, `using(_:_:)` for a stretch of code (tests and `bench` run
/// both paths in one process).
public enum ConvolutionRouting {
    /// The environment's choice, read once. An unknown value stops the process with one
    /// `error:` line: a typo would otherwise silently measure or test the wrong path.
    static let environment: ConvolutionImplementation = {
        guard let text = getenv("CLIPCANVAS_CONV") else { return .automatic }
        let value = String(cString: text)
        guard let choice = ConvolutionImplementation(rawValue: value.lowercased()) else {
            fputs("error: CLIPCANVAS_CONV is \"\(value)\"; use native, onednn or auto\n", stderr)
            exit(2)
        }
        return choice
    }()

    /// `using`'s override (an index into `allCases`), or -1 for the environment's choice.
    private static let override = Atomic<Int>(-1)

    /// The implementation in force.
    public static var current: ConvolutionImplementation {
        let index = override.load(ordering: .relaxed)
        return index >= 0 ? ConvolutionImplementation.allCases[index] : environment
    }

    /// Runs `body` with `implementation` in force for every convolution, forward and backward
    /// (a backward runs the path its forward took, whenever it runs). Not for concurrent use
    /// with other settings: the override is process-wide.
    public static func using<Result>(_ implementation: ConvolutionImplementation, _ body: () throws -> Result) rethrows -> Result {
        let previous = override.exchange(ConvolutionImplementation.allCases.firstIndex(of: implementation)!, ordering: .relaxed)
        defer { override.store(previous, ordering: .relaxed) }
        return try body()
    }

    /// Whether a convolution of this shape goes through oneDNN.
    static func usesOneDNN(_ geometry: ConvolutionGeometry, batch: Int, outChannels: Int) -> Bool {
        switch current {
        // Ours by default: side by side with the reference (README, Speed), oneDNN's float32
        // kernels won only the U-Net's narrow layers, lost VGG19 to our Winograd, tied RN101, and
        // raised every step's peak memory (glibc keeps the freed layout copies); a mix by channel
        // count gained no CLIPstyler step time for +150-220 MB. Its parity is settled (the suite
        // passes with CLIPCANVAS_CONV=onednn). bf16 convolutions always run through oneDNN.
        case .native, .automatic: return false
        case .oneDNN: return true
        }
    }
}
