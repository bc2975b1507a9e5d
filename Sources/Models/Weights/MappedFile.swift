import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// Weight readers convert tensors straight out of the mapping, so a checkpoint's bytes are never
/// copied into a second buffer: the kernel pages them in as the conversion reads them, and
/// `releasePages` hands them back once their tensors are built.
final class MappedFile {
    let url: URL
    let bytes: UnsafeRawBufferPointer

    /// The path, as error messages show it.
    var name: String { url.path }
    var count: Int { bytes.count }

    init(_ url: URL) throws {
        self.url = url
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw WeightError.unreadable(file: url.path, reason: systemError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw WeightError.unreadable(file: url.path, reason: systemError())
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw WeightError.unreadable(file: url.path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw WeightError.unreadable(file: url.path, reason: systemError())
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Drops `range` from this process's resident memory after its tensors have been converted,
    /// so loading a large checkpoint peaks at the size of the float32 tensors, not that plus the
    /// file. The pages stay in the page cache; reading them again faults them back in.
    func releasePages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min(count, (range.upperBound + page - 1) / page * page)
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    /// Little-endian integers at a byte offset the caller has bounds-checked.
    func uint16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    func uint32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    func uint64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

private func systemError() -> String { String(cString: strerror(errno)) }
