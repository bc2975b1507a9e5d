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
    private static let choice = ImplementationSwitch<ConvolutionImplementation>(variable: "CLIPCANVAS_CONV", default: .automatic)

    /// The implementation in force.
    public static var current: ConvolutionImplementation { choice.current }

    /// Runs `body` with `implementation` in force for every convolution, forward and backward
    /// (a backward runs the path its forward took, whenever it runs). Not for concurrent use
    /// with other settings: the override is process-wide.
    public static func using<Result>(_ implementation: ConvolutionImplementation, _ body: () throws -> Result) rethrows -> Result {
        try choice.using(implementation, body)
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
