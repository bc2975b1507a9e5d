#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

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
    }

    public convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit {
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
/// `capacityBytes` are kept; the oldest go first, so sizes no longer used age out.
enum LargeBlockCache {
    static let minimumBytes = 1 << 20
    static let capacityBytes = 256 << 20

    private struct State {
        /// Oldest first.
        var blocks: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
        var totalBytes = 0
    }

    private static let state = Mutex(State())

    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        return state.withLock { state in
            // The most recently freed block of this size (likeliest to be in cache).
            guard let index = state.blocks.lastIndex(where: { $0.bytes == bytes }) else { return nil }
            state.totalBytes -= bytes
            return state.blocks.remove(at: index).pointer
        }
    }

    /// Takes ownership of a block being freed; `false` when the caller should free it.
    static func keep(_ pointer: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minimumBytes, bytes <= capacityBytes else { return false }
        let evicted: [UnsafeMutableRawPointer] = state.withLock { state in
            var evicted: [UnsafeMutableRawPointer] = []
            var dropCount = 0
            while state.totalBytes + bytes > capacityBytes {
                let oldest = state.blocks[dropCount]
                state.totalBytes -= oldest.bytes
                evicted.append(oldest.pointer)
                dropCount += 1
            }
            state.blocks.removeFirst(dropCount)
            state.blocks.append((bytes, pointer))
            state.totalBytes += bytes
            return evicted
        }
        for block in evicted { free(block) }
        return true
    }
}
