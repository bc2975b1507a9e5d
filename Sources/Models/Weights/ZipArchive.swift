import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The entries of a zip archive read in place from a memory-mapped file: PyTorch writes its
/// checkpoints and TorchScript archives as zips whose tensor storages are STORED (uncompressed,
/// 64-byte aligned), so their bytes are handed out without copying. DEFLATED entries (TorchScript
/// code, archives re-zipped by hand) are inflated with zlib.
///
/// Layout read here (PKWARE APPNOTE 6.3): the end-of-central-directory record at the end of the
/// file (and, as PyTorch always writes, its ZIP64 locator and record just before it) points at the
/// central directory; each central entry gives sizes and the offset of a local header, after
/// whose name and extra field the data starts.
struct ZipArchive {
    struct Entry {
        let name: String
        /// 0 = STORED, 8 = DEFLATED.
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    /// Thrown when the end-of-central-directory record is missing: the file was cut short (or is
    /// not a zip). `scanLocalEntries` can then say how much of it survived.
    struct MissingDirectory: Error {}

    let file: MappedFile
    let entries: [Entry]
    private let indexByName: [String: Int]

    init(_ file: MappedFile) throws {
        self.file = file
        let directory = try Self.locateCentralDirectory(in: file)
        var entries: [Entry] = []
        entries.reserveCapacity(directory.count)
        var position = directory.offset
        for _ in 0..<directory.count {
            let entry = try Self.centralEntry(in: file, at: position)
            entries.append(entry.entry)
            position = entry.next
        }
        self.entries = entries
        indexByName = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    /// Where the entry's stored (possibly compressed) bytes lie in the file. `label` names the
    /// entry in a truncation error ("storage data/37").
    func dataRange(of entry: Entry, label: String) throws -> Range<Int> {
        let header = entry.localHeaderOffset
        guard header <= file.count - 30 else {
            throw WeightError.truncated(
                file: file.name, item: label, needed: entry.compressedSize, offset: header, fileSize: file.count)
        }
        guard file.uint32(at: header) == 0x0403_4B50 else {
            throw WeightError.malformed(file: file.name, reason: "zip entry \(entry.name) has no local header")
        }
        let start = header + 30 + Int(file.uint16(at: header + 26)) + Int(file.uint16(at: header + 28))
        guard start <= file.count, entry.compressedSize <= file.count - start else {
            throw WeightError.truncated(
                file: file.name, item: label, needed: entry.compressedSize, offset: start, fileSize: file.count)
        }
        return start..<(start + entry.compressedSize)
    }

    /// The most a metadata entry (the pickle, `byteorder`, TorchScript code) may inflate to;
    /// the largest real ones are a few MB.
    static let metadataLimit = 64 << 20

    /// Calls `body` with the entry's uncompressed bytes: the mapped file itself for STORED
    /// entries, a temporary inflated buffer for DEFLATED ones.
    ///
    /// `limit` is the most bytes the caller can use. A DEFLATED entry that declares more is
    /// refused before anything is allocated (a 4 MB entry can declare 4 GB), and inflating stops
    /// at the declared size.
    func withContents<Result>(
        of entry: Entry, label: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let range = try dataRange(of: entry, label: label)
        let stored = UnsafeRawBufferPointer(rebasing: file.bytes[range])
        switch entry.method {
        case 0:
            return try body(stored)
        case 8:
            guard entry.uncompressedSize <= limit else {
                throw WeightError.malformed(
                    file: file.name,
                    reason: "\(label) declares \(grouped(entry.uncompressedSize)) bytes when inflated, more than the "
                        + "\(grouped(limit)) it can use (a zip bomb?)")
            }
            let inflated = try inflate(stored, expectedCount: entry.uncompressedSize, entryName: entry.name)
            return try inflated.withUnsafeBytes(body)
        default:
            throw WeightError.malformed(
                file: file.name,
                reason: "zip entry \(entry.name) uses compression method \(entry.method); "
                    + "only stored and deflated entries are supported")
        }
    }

    /// Returns a STORED entry's pages to the kernel once its tensors are built.
    func releasePages(of entry: Entry) {
        guard entry.method == 0, let range = try? dataRange(of: entry, label: entry.name) else { return }
        file.releasePages(range)
    }

    private func inflate(_ compressed: UnsafeRawBufferPointer, expectedCount: Int, entryName: String) throws -> [UInt8] {
        // DEFLATE expands at most 1,032-fold; a larger claim is corrupt, not a reason to allocate it.
        guard expectedCount / 1_032 <= compressed.count else {
            throw WeightError.malformed(file: file.name, reason: "zip entry \(entryName) claims an impossible size")
        }
        var output = [UInt8](repeating: 0, count: expectedCount)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw WeightError.malformed(file: file.name, reason: "zlib could not start inflating \(entryName)")
        }
        defer { inflateEnd(&stream) }
        var status = Z_OK
        output.withUnsafeMutableBytes { destination in
            var consumed = 0
            var produced = 0
            while status == Z_OK {
                let inputChunk = min(compressed.count - consumed, Int(UInt32.max))
                let outputChunk = min(destination.count - produced, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(
                    mutating: compressed.baseAddress?
                        .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inputChunk)
                stream.next_out = destination.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputChunk)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += inputChunk - Int(stream.avail_in)
                produced += outputChunk - Int(stream.avail_out)
                if status == Z_OK && inputChunk - Int(stream.avail_in) == 0 && outputChunk - Int(stream.avail_out) == 0 {
                    status = Z_BUF_ERROR
                }
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expectedCount else {
            throw WeightError.malformed(file: file.name, reason: "zip entry \(entryName) is corrupt (inflate failed)")
        }
        return output
    }
}

// MARK: - Central directory

extension ZipArchive {
    private static let endRecordSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64RecordSignature: UInt32 = 0x0606_4B50
    private static let centralEntrySignature: UInt32 = 0x0201_4B50

    private static func locateCentralDirectory(in file: MappedFile) throws -> (offset: Int, count: Int) {
        // The end record is 22 bytes plus a comment of at most 65,535 bytes.
        guard file.count >= 22 else { throw MissingDirectory() }
        var end = file.count - 22
        let lowest = max(0, file.count - 22 - 0xFFFF)
        while end >= lowest {
            if file.uint32(at: end) == endRecordSignature && end + 22 + Int(file.uint16(at: end + 20)) <= file.count {
                break
            }
            end -= 1
        }
        guard end >= lowest else { throw MissingDirectory() }

        var count = Int(file.uint16(at: end + 10))
        var offset = Int(file.uint32(at: end + 16))
        let locator = end - 20
        if locator >= 0 && file.uint32(at: locator) == zip64LocatorSignature {
            let record = Int(clamping: file.uint64(at: locator + 8))
            guard record <= locator - 56, file.uint32(at: record) == zip64RecordSignature else {
                throw WeightError.malformed(file: file.name, reason: "its ZIP64 end record is damaged")
            }
            count = Int(clamping: file.uint64(at: record + 32))
            offset = Int(clamping: file.uint64(at: record + 48))
        }
        guard offset <= end, count <= (end - offset) / 46 else {
            throw WeightError.malformed(file: file.name, reason: "its zip directory points outside the file")
        }
        return (offset, count)
    }

    private static func centralEntry(in file: MappedFile, at position: Int) throws -> (entry: Entry, next: Int) {
        let damaged = WeightError.malformed(file: file.name, reason: "its zip directory is damaged at byte \(position)")
        guard position + 46 <= file.count, file.uint32(at: position) == centralEntrySignature else { throw damaged }
        let nameLength = Int(file.uint16(at: position + 28))
        let extraLength = Int(file.uint16(at: position + 30))
        let commentLength = Int(file.uint16(at: position + 32))
        let next = position + 46 + nameLength + extraLength + commentLength
        guard next <= file.count else { throw damaged }

        var uncompressed = UInt64(file.uint32(at: position + 24))
        var compressed = UInt64(file.uint32(at: position + 20))
        var localHeader = UInt64(file.uint32(at: position + 42))
        // ZIP64: each 32-bit field saturated at 0xFFFFFFFF is in the extra field (id 1), in this order.
        var extra = position + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = file.uint16(at: extra)
            let size = Int(file.uint16(at: extra + 2))
            if id == 1 {
                var field = extra + 4
                if uncompressed == 0xFFFF_FFFF, field + 8 <= extraEnd {
                    uncompressed = file.uint64(at: field)
                    field += 8
                }
                if compressed == 0xFFFF_FFFF, field + 8 <= extraEnd {
                    compressed = file.uint64(at: field)
                    field += 8
                }
                if localHeader == 0xFFFF_FFFF, field + 8 <= extraEnd { localHeader = file.uint64(at: field) }
            }
            extra += 4 + size
        }
        let name = String(
            decoding: UnsafeRawBufferPointer(rebasing: file.bytes[(position + 46)..<(position + 46 + nameLength)]),
            as: UTF8.self)
        guard let compressedSize = Int(exactly: compressed), let uncompressedSize = Int(exactly: uncompressed),
            let localHeaderOffset = Int(exactly: localHeader)
        else { throw damaged }
        let entry = Entry(
            name: name, method: file.uint16(at: position + 10), compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset)
        return (entry, next)
    }
}

// MARK: - Salvaging a cut-off archive

extension ZipArchive {
    /// What survives of an archive whose end is missing, walked from the front through local
    /// headers: the entries that are complete, and the one the file ends inside (with where its
    /// data starts), if any.
    struct LocalScan {
        var complete: [Entry] = []
        var cut: (name: String, dataOffset: Int)?
        /// Where the next entry would have started.
        var end = 0
    }

    static func scanLocalEntries(_ file: MappedFile) -> LocalScan {
        var scan = LocalScan()
        var position = 0
        while position + 30 <= file.count && file.uint32(at: position) == 0x0403_4B50 {
            let flags = file.uint16(at: position + 6)
            let nameLength = Int(file.uint16(at: position + 26))
            let extraLength = Int(file.uint16(at: position + 28))
            let nameEnd = min(file.count, position + 30 + nameLength)
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: file.bytes[(position + 30)..<nameEnd]), as: UTF8.self)
            let dataOffset = position + 30 + nameLength + extraLength
            guard dataOffset <= file.count else {
                scan.cut = (name, dataOffset)
                return scan
            }
            let size: Int
            let next: Int
            if flags & 0x8 == 0 {
                // Sizes are in the header (ZIP64: in extra field 1, uncompressed then compressed).
                var compressed = UInt64(file.uint32(at: position + 18))
                if compressed == 0xFFFF_FFFF,
                    let zip64 = zip64Field(in: file, from: position + 30 + nameLength, length: extraLength),
                    zip64 + 16 <= file.count
                {
                    compressed = file.uint64(at: zip64 + 8)
                }
                guard compressed <= UInt64(file.count - dataOffset) else {
                    scan.cut = (name, dataOffset)
                    return scan
                }
                size = Int(compressed)
                next = dataOffset + size
            } else {
                // Streamed entry (PyTorch's writer): its sizes follow the data in a descriptor.
                guard let descriptor = findDataDescriptor(in: file, dataOffset: dataOffset) else {
                    scan.cut = (name, dataOffset)
                    return scan
                }
                size = descriptor.size
                next = descriptor.end
            }
            scan.complete.append(
                Entry(
                    name: name, method: file.uint16(at: position + 8), compressedSize: size,
                    uncompressedSize: size, localHeaderOffset: position))
            scan.end = next
            position = next
        }
        return scan
    }

    private static func zip64Field(in file: MappedFile, from start: Int, length: Int) -> Int? {
        var extra = start
        while extra + 4 <= min(file.count, start + length) {
            if file.uint16(at: extra) == 1 { return extra + 4 }
            extra += 4 + Int(file.uint16(at: extra + 2))
        }
        return nil
    }

    /// The data descriptor ("PK\u{7}\u{8}", CRC, sizes) whose compressed size equals its own
    /// distance from the data start; a chance match inside the data would also need that size.
    private static func findDataDescriptor(in file: MappedFile, dataOffset: Int) -> (size: Int, end: Int)? {
        guard let base = file.bytes.baseAddress else { return nil }
        var position = dataOffset
        while position + 16 <= file.count {
            guard let found = memchr(base + position, 0x50, file.count - position) else { return nil }
            let candidate = base.distance(to: UnsafeRawPointer(found))
            position = candidate + 1
            guard candidate + 16 <= file.count, file.uint32(at: candidate) == 0x0807_4B50 else { continue }
            let size = candidate - dataOffset
            if candidate + 16 <= file.count && Int(file.uint32(at: candidate + 8)) == size {
                return (size, candidate + 16)
            }
            if candidate + 24 <= file.count && Int(clamping: file.uint64(at: candidate + 8)) == size {
                return (size, candidate + 24)
            }
        }
        return nil
    }
}
