import CDNNL
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// oneDNN's CPU engine and stream, shared by every primitive we run through it (convolutions,
/// integer matmuls), and the few conversions its C API needs.
///
/// Both are created on first use and live for the process. oneDNN's stream is not safe to run
/// from several threads at once, so every execution goes through `execute`, which takes a lock;
/// the kernels themselves use all the cores (oneDNN's OpenMP team), so nothing is lost by it.
public enum OneDNN {
    /// The CPU engine.
    nonisolated(unsafe) public static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        return engine!
    }()

    /// The one in-order stream every primitive runs on.
    nonisolated(unsafe) public static let stream: dnnl_stream_t = {
        var stream: dnnl_stream_t?
        check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "creating a stream")
        return stream!
    }()

    private static let executionLock = Mutex(())

    /// Stops the process with oneDNN's reason when a call failed: every call we make has shapes
    /// validated beforehand, so a failure is a bug (or an exhausted machine), not bad input.
    public static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        guard status != dnnl_success else { return }
        fatalError("oneDNN failed \(what()): \(String(cString: dnnl_status2str(status)))")
    }

    /// Runs `body` (primitive creation or execution) with oneDNN's OpenMP team sized to
    /// `Parallel.coreCount`, holding the stream's lock. The team size is per calling thread in
    /// OpenMP, so it is set on every call rather than once.
    public static func withStream<Result>(_ body: (dnnl_stream_t) throws -> Result) rethrows -> Result {
        try executionLock.withLock { _ in
            setOpenMPThreads(Parallel.coreCount)
            return try body(stream)
        }
    }

    /// Executes `primitive` with its arguments (`DNNL_ARG_*`, memory) and waits for it. Call
    /// inside `withStream`.
    public static func execute(_ primitive: dnnl_primitive_t, on stream: dnnl_stream_t, _ arguments: [(Int32, dnnl_memory_t)]) {
        let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        check(dnnl_primitive_execute(primitive, stream, Int32(args.count), args), "executing a primitive")
        check(dnnl_stream_wait(stream), "waiting for the stream")
    }

    /// oneDNN's dimension array (`dnnl_dims_t`: twelve int64, passed by pointer) holding `values`.
    public static func dims(_ values: [Int]) -> [Int64] {
        precondition(values.count <= Int(DNNL_MAX_NDIMS))
        return values.map(Int64.init) + [Int64](repeating: 0, count: Int(DNNL_MAX_NDIMS) - values.count)
    }

    /// A memory descriptor of `shape` in the layout `tag` (`dnnl_nchw`, `dnnl_oihw`, `dnnl_x`,
    /// `dnnl_ab`, or `dnnl_format_tag_any` to let a primitive choose), float32 unless `type` says.
    public static func descriptor(_ shape: [Int], _ tag: dnnl_format_tag_t, type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        check(dnnl_memory_desc_init_by_tag(&desc, Int32(shape.count), dims(shape), type, tag), "describing \(shape)")
        return desc
    }

    /// A memory object over `pointer` (not owned) laid out as `descriptor`; destroy it with
    /// `dnnl_memory_destroy` after use.
    public static func memory(_ descriptor: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer) -> dnnl_memory_t {
        var desc = descriptor
        var memory: dnnl_memory_t?
        check(dnnl_memory_create(&memory, &desc, engine, pointer), "wrapping a buffer")
        return memory!
    }

    /// oneDNN with the OpenMP runtime (Debian's build) sizes its team from OpenMP's setting,
    /// which defaults to every core, not `CLIPCANVAS_THREADS`. libgomp is loaded as oneDNN's
    /// own dependency; its setter is looked up there rather than linked, so no OpenMP headers or
    /// link flags are needed (and a oneDNN built with another runtime simply skips this).
    private static let setOpenMPThreads: (Int) -> Void = {
        typealias Setter = @convention(c) (Int32) -> Void
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return { _ in } }
        let setter = unsafeBitCast(symbol, to: Setter.self)
        return { setter(Int32($0)) }
    }()
}
