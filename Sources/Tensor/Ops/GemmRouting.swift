import CDNNL

/// Which library runs the float32 matrix products (`gemm`, under every linear layer, matmul and
/// convolution): OpenBLAS's sgemm or oneDNN's.
public enum GemmImplementation: String, Sendable, CaseIterable {
    /// oneDNN where it runs AVX-512 kernels, OpenBLAS elsewhere (see `GemmRouting.usesOneDNN`).
    case automatic = "auto"
    case openBLAS = "openblas"
    case oneDNN = "onednn"
}

/// The choice between OpenBLAS's sgemm and oneDNN's: `CLIPCANVAS_GEMM=auto|openblas|onednn`
/// (default `auto`) for a whole run, `using(_:_:)` for a stretch of code (tests and `bench` run
/// both in one process).
public enum GemmRouting {
    private static let choice = ImplementationSwitch<GemmImplementation>(variable: "CLIPCANVAS_GEMM", default: .automatic)

    /// The implementation in force.
    public static var current: GemmImplementation { choice.current }

    /// Runs `body` with `implementation` in force for every product. Not for concurrent use with
    /// other settings: the override is process-wide.
    public static func using<Result>(_ implementation: GemmImplementation, _ body: () throws -> Result) rethrows -> Result {
        try choice.using(implementation, body)
    }

    /// oneDNN runs AVX-512 kernels on this CPU (it honours `DNNL_MAX_CPU_ISA`).
    ///
    /// Measured on the 2-core AVX-512 EPYC (2026-12-07, 2 threads, best of 30), oneDNN's sgemm
    /// against OpenBLAS's: CLIP's MLP 400x768x3072 338–386 vs 200–203 GFLOP/s, its transposed
    /// products 297–401 vs 208–210, RN101's 256x2304x196 351 vs 158, 2304x256x196 (an input
    /// gradient) 355 vs 76, 1024x256x49 253 vs 110. With oneDNN held to AVX2
    /// (`DNNL_MAX_CPU_ISA=AVX2`) the two were even (110–218 vs 103–206, each ahead on some), so
    /// OpenBLAS keeps the CPUs without AVX-512, where nothing is gained. (This machine's
    /// environment pins OpenBLAS to its Haswell kernels, `OPENBLAS_CORETYPE`, because older
    /// OpenBLAS builds compute wrong results or crash on some processors; oneDNN picks its
    /// kernels itself.)
    public static let oneDNNHasAVX512 =
        dnnl_get_effective_cpu_isa().rawValue & dnnl_cpu_isa_avx512_core.rawValue == dnnl_cpu_isa_avx512_core.rawValue

    /// Whether the products go through oneDNN now.
    public static var usesOneDNN: Bool {
        switch current {
        case .automatic: return oneDNNHasAVX512
        case .openBLAS: return false
        case .oneDNN: return true
        }
    }
}
