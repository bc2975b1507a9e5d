import Foundation
import Output

/// Crafted files of the kinds an attacker would hand the binary, built byte by byte so that no
/// blob is committed and every size is visible in the test that uses it.
enum HostileFiles {
    // MARK: Pickles

    /// A pickle (protocol 2) that nests `depth` lists, each the only item of the one above.
    static func nestedListsPickle(depth: Int) -> [UInt8] {
        [0x80, 0x02] + Array(repeating: 0x5D, count: depth)  // EMPTY_LIST
            + Array(repeating: 0x61, count: depth - 1) + [0x2E]  // APPEND, STOP
    }

    /// A pickle that nests `depth` one-element tuples: EMPTY_TUPLE, then TUPLE1 again and again.
    static func nestedTuplesPickle(depth: Int) -> [UInt8] {
        [0x80, 0x02, 0x29] + Array(repeating: 0x85, count: depth) + [0x2E]
    }

    /// Nests `depth` lists from the top down, through the memo: each new list is appended to
    /// the previous one after that one is already inside its parent, so a depth recorded only
    /// when a container is nested would never see the chain grow.
    static func topDownListsPickle(depth: Int) -> [UInt8] {
        func index(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }
        var bytes: [UInt8] = [0x80, 0x02, 0x5D, 0x72] + index(0)  // EMPTY_LIST, LONG_BINPUT 0
        for level in 1..<depth {
            bytes += [0x6A] + index(level - 1)  // LONG_BINGET the previous list
            bytes += [0x5D, 0x72] + index(level)  // EMPTY_LIST, LONG_BINPUT
            bytes += [0x61, 0x30]  // APPEND it to the previous list, POP that list's copy
        }
        return bytes + [0x2E]
    }

    /// `{"w": <float32 tensor of `count` elements in storage "0">}` as `torch.save` pickles it;
    /// `withState` gives the tensor Python attributes (BUILD with a dict, as for a subclass).
    static func stateDictPickle(count: Int, withState: Bool = false) -> [UInt8] {
        func unicode(_ text: String) -> [UInt8] {
            [0x58] + withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { Array($0) } + Array(text.utf8)
        }
        func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
        func int(_ value: Int) -> [UInt8] { [0x4A] + withUnsafeBytes(of: Int32(value).littleEndian) { Array($0) } }
        var bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x28] + unicode("w")  // EMPTY_DICT, MARK, key
        bytes += global("torch._utils", "_rebuild_tensor_v2") + [0x28]  // function, MARK of its arguments
        bytes += [0x28] + unicode("storage") + global("torch", "FloatStorage") + unicode("0") + unicode("cpu")
        bytes += int(count) + [0x74, 0x51]  // TUPLE, BINPERSID: the storage
        bytes += int(0) + int(count) + [0x85] + int(1) + [0x85, 0x89]  // offset, (count,), (1,), False
        bytes += [0x74, 0x52]  // TUPLE, REDUCE
        if withState { bytes += [0x7D] + unicode("note") + unicode("kept") + [0x73, 0x62] }  // {"note": "kept"}, BUILD
        bytes += [0x75, 0x2E]  // SETITEMS, STOP
        return bytes
    }

    // MARK: Zip archives

    struct ZipEntry {
        var name: String
        /// 0 = stored, 8 = deflated.
        var method: UInt16 = 0
        var data: [UInt8]
        /// The uncompressed size the headers declare; the data's own size when nil.
        var declaredSize: Int? = nil
    }

    /// A plain zip (no ZIP64) of `entries`, as `torch.save` lays one out.
    static func zip(_ entries: [ZipEntry]) -> Data {
        var file: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(value).littleEndian) { Array($0) } }
        func u32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }
        for entry in entries {
            let offset = file.count
            let name = Array(entry.name.utf8)
            let crc = entry.method == 0 ? Int(crc32(entry.data)) : 0
            let sizes = u32(crc) + u32(entry.data.count) + u32(entry.declaredSize ?? entry.data.count)
            file += u32(0x0403_4B50) + u16(20) + u16(0) + u16(Int(entry.method)) + u16(0) + u16(0) + sizes
            file += u16(name.count) + u16(0) + name + entry.data
            central += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(Int(entry.method)) + u16(0) + u16(0)
            central += sizes + u16(name.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + name
        }
        let directoryOffset = file.count
        file += central
        file += u32(0x0605_4B50) + u16(0) + u16(0) + u16(entries.count) + u16(entries.count)
        file += u32(central.count) + u32(directoryOffset) + u16(0)
        return Data(file)
    }

    /// A checkpoint whose only pickle is `pickle`.
    static func checkpoint(pickle: [UInt8]) -> Data {
        zip([ZipEntry(name: "archive/data.pkl", data: pickle)])
    }

    /// A checkpoint whose 4-element float tensor is backed by a deflated storage entry that
    /// declares `declaredSize` bytes (and carries the 1/1032 of that which DEFLATE at its best
    /// would need, so the declaration is not refused as impossible).
    static func zipBomb(declaredSize: Int) -> Data {
        // An empty final stored block: valid DEFLATE, so only the size claim is wrong.
        var deflated: [UInt8] = [0x01, 0x00, 0x00, 0xFF, 0xFF]
        deflated += Array(repeating: 0, count: declaredSize / 1_032 + 1 - deflated.count)
        return zip([
            ZipEntry(name: "archive/data.pkl", data: stateDictPickle(count: 4)),
            ZipEntry(name: "archive/data/0", method: 8, data: deflated, declaredSize: declaredSize),
        ])
    }

    // MARK: PNG

    /// A valid PNG of a `width` x `height` grey image (small enough to encode in a test).
    static func png(width: Int, height: Int) throws -> Data {
        let pixels = (0..<(width * height)).map { Float($0 % 256) / 255 }
        return try PNGCodec.encode(Image(width: width, height: height, channels: 1, pixels: pixels))
    }

    /// A 1x1 PNG whose header claims `width` x `height`: what a decoder allocates from.
    static func pngClaiming(width: Int, height: Int) throws -> Data {
        var bytes = [UInt8](try png(width: 1, height: 1))
        // IHDR is the first chunk: length (8..<12), type (12..<16), width, height, …, CRC (29..<33).
        bytes.replaceSubrange(16..<20, with: withUnsafeBytes(of: UInt32(width).bigEndian) { Array($0) })
        bytes.replaceSubrange(20..<24, with: withUnsafeBytes(of: UInt32(height).bigEndian) { Array($0) })
        bytes.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc32(Array(bytes[12..<29])).bigEndian) { Array($0) })
        return Data(bytes)
    }

    /// CRC-32 (ISO 3309, as zip and PNG use it), bit by bit: the inputs here are small.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
