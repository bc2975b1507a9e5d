import CDNNL

#if canImport(Glibc)
    import Glibc
#endif

/// What the CPU offers the reduced-precision matmuls (int8 and bf16 through oneDNN), and the
/// oneDNN engine they run on.
public enum ReducedPrecisionRuntime {
    /// oneDNN's view of the CPU: the newest instruction set it will use (it honours
    /// `DNNL_MAX_CPU_ISA`, so a test or a user can pretend to have an older CPU).
    static let instructionSet = dnnl_get_effective_cpu_isa().rawValue

    /// bf16 matmuls on native instructions (AVX-512 BF16 or AMX). Without them oneDNN would
    /// emulate bf16 more slowly than float32, so `--precision bf16` is refused instead.
    public static var hasNativeBFloat16: Bool { includes(dnnl_cpu_isa_avx512_core_bf16) }

    /// u8·s8 dot products that accumulate straight into 32 bits (AVX-512 VNNI or AVX-VNNI).
    /// Without them oneDNN's integer GEMM adds pairs of u8·s8 products in 16 bits
    /// (`vpmaddubsw`), which saturates when both codes are large.
    public static var hasVNNI: Bool { includes(dnnl_cpu_isa_avx512_core_vnni) || includes(dnnl_cpu_isa_avx2_vnni) }

    /// The largest activation code, chosen so the integer GEMM never saturates: the full
    /// 8 bits with VNNI; 7 bits without (2 · 127 · 127 fits in a 16-bit sum, 2 · 255 · 127 does not).
    public static var activationLevels: Int { hasVNNI ? 255 : 127 }

    private static func includes(_ isa: dnnl_cpu_isa_t) -> Bool {
        instructionSet & isa.rawValue == isa.rawValue
    }

    /// Runs `body` on column ranges of `0..<columns` on our own threads, each making its oneDNN
    /// calls single-threaded. oneDNN's own OpenMP threads would otherwise spin-wait between
    /// calls, taking cores from the Swift kernels that run in between: measured here, a ViT
    /// linear's forward + input gradient took 2-6x longer with OpenMP's threads than split this
    /// way (with other processes on the machine; the spinning costs most when cores are scarce).
    static func splittingColumns(_ columns: Int, _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(Parallel.coreCount, columns / 64))
        // Widths in multiples of 16, the kernels' vector width in int32 and float outputs.
        let width = (columns + chunks - 1) / chunks
        let step = (width + 15) / 16 * 16
        Parallel.forEach(chunks) { chunk in
            let start = min(columns, chunk * step), end = min(columns, start + step)
            guard start < end else { return }
            setOpenMPThreads?(1)
            body(start..<end)
        }
    }

    /// `omp_set_num_threads` of the OpenMP runtime libdnnl brought in, looked up rather than
    /// linked so the package needs no OpenMP headers; it sets the calling thread's count.
    static let setOpenMPThreads: (@convention(c) (Int32) -> Void)? = dlsym(nil, "omp_set_num_threads").map {
        unsafeBitCast($0, to: (@convention(c) (Int32) -> Void).self)
    }

    /// The CPU engine, created once.
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        return engine!
    }()

    /// oneDNN reports failures as status codes; for shapes we validated they mean a broken
    /// installation or a bug, never bad user input.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        precondition(status == dnnl_success, "oneDNN failed \(what()) (status \(status.rawValue))")
    }
}
