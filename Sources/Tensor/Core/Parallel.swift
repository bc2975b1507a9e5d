import CBLAS
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Chunked data-parallel loops over all cores.
///
/// Work is split into at most one chunk per core (never per element), so the closure overhead is
/// paid a handful of times per kernel, not per value.
public enum Parallel {
    /// Cores to use; `CLIPCANVAS_THREADS` overrides (e.g. 1 for profiling), `useThreads` changes.
    public nonisolated(unsafe) private(set) static var coreCount: Int = {
        if let text = getenv("CLIPCANVAS_THREADS"), let n = Int(String(cString: text)), n > 0 { return n }
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }()

    /// Runs everything from now on with `count` threads: our own loops, OpenBLAS's sgemm and
    /// oneDNN's kernels (OpenMP threads). Not for use while a kernel is running.
    public static func useThreads(_ count: Int) {
        precondition(count >= 1, "at least one thread")
        coreCount = count
        openblas_set_num_threads(Int32(count))
        ReducedPrecisionRuntime.setOpenMPThreads?(Int32(count))
    }

    /// Calls `body` on disjoint sub-ranges covering `0..<count`. Ranges shorter than `grain`
    /// elements are not worth a thread hop, so small loops run inline.
    @inlinable
    public static func forEachChunk(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(coreCount, (count + grain - 1) / grain)
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let step = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * step
            let end = min(count, start + step)
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body` once per index, in parallel; for loops whose every iteration is substantial
    /// (a row of a matrix, an image of a batch, a head of attention).
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 || coreCount == 1 {
            for index in 0..<count { body(index) }
            return
        }
        forEachChunk(count, grain: 1) { range in
            for index in range { body(index) }
        }
    }
}
