import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A block of float32 memory owned by one or more tensors (a reshape view shares it).
///
/// Aligned to 64 bytes so BLAS and vector loops see whole cache lines. Large blocks are recycled
/// through `LargeBlockCache`.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Uninitialised memory: every kernel that allocates its output writes all of it.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative storage size")
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw: UnsafeMutableRawPointer
        if let reused = LargeBlockCache.take(bytes: bytes) {
            raw = reused
        } else {
            var fresh: UnsafeMutableRawPointer?
            guard posix_memalign(&fresh, 64, bytes) == 0, let fresh else {
                fatalError("out of memory allocating \(bytes) bytes for a tensor")
            }
            raw = fresh
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        Self.live.add(count, ordering: .relaxed)
    }

    private static let live = Atomic<Int>(0)

    /// Floats in storages alive now, so tests can see what an op leaves held.
    @_spi(Testing) public static var liveFloats: Int { live.load(ordering: .relaxed) }

    public convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit {
        Self.live.subtract(count, ordering: .relaxed)
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if !LargeBlockCache.keep(UnsafeMutableRawPointer(pointer), bytes: bytes) { free(pointer) }
    }
}

/// Freed blocks of 1 MB and more, kept for the next allocation of exactly the same size.
///
/// An optimisation step allocates the same activation and gradient sizes every iteration. glibc
/// hands blocks this large back to the kernel when they are freed (mmap'd blocks, trimmed thread
/// heaps), and the next step pays a page fault and a page clear per 4 KB to get them again: in a
/// ViT block's layer norms, attention and GELU that was 10–15% of the time. At most
/// `capacityBytes` are kept (the oldest go first), and a block left unused for `staleAfter`
/// cache operations is freed at the next miss: sizes no longer used (another batch size or
/// model) do not stay on top of the new working set, while a training loop reuses its blocks
/// within one step (a few hundred operations for ViT-B/32).
enum LargeBlockCache {
    static let minimumBytes = 1 << 20
    static let capacityBytes = 64 << 20
    static let staleAfter = 4096

    private struct State {
        /// Oldest first; `since` is the operation count when the block was cached.
        var blocks: [(bytes: Int, pointer: UnsafeMutableRawPointer, since: Int)] = []
        var totalBytes = 0
        var operations = 0

        /// Removes the first `count` blocks and returns their pointers, for freeing outside the lock.
        mutating func dropOldest(_ count: Int) -> [UnsafeMutableRawPointer] {
            let dropped = blocks.prefix(count).map(\.pointer)
            totalBytes -= blocks.prefix(count).reduce(0) { $0 + $1.bytes }
            blocks.removeFirst(count)
            return dropped
        }
    }

    private static let state = Mutex(State())

    /// A cached block of exactly `bytes`, or `nil` (then stale blocks are released).
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        var stale: [UnsafeMutableRawPointer] = []
        let found: UnsafeMutableRawPointer? = state.withLock { state in
            state.operations += 1
            // The most recently freed block of this size (likeliest to be in cache).
            if let index = state.blocks.lastIndex(where: { $0.bytes == bytes }) {
                state.totalBytes -= bytes
                return state.blocks.remove(at: index).pointer
            }
            let now = state.operations
            stale = state.dropOldest(state.blocks.prefix { now - $0.since > staleAfter }.count)
            return nil
        }
        for block in stale { free(block) }
        return found
    }

    /// Takes ownership of a block being freed; `false` when the caller should free it.
    static func keep(_ pointer: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minimumBytes, bytes <= capacityBytes else { return false }
        let evicted: [UnsafeMutableRawPointer] = state.withLock { state in
            state.operations += 1
            var count = 0, remaining = state.totalBytes
            while remaining + bytes > capacityBytes {
                remaining -= state.blocks[count].bytes
                count += 1
            }
            let evicted = state.dropOldest(count)
            state.blocks.append((bytes, pointer, state.operations))
            state.totalBytes += bytes
            return evicted
        }
        for block in evicted { free(block) }
        return true
    }
}
