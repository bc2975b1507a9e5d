import Foundation

/// A run's checkpoint as bytes: what was run (the settings that decide its steps, each by name,
/// so a checkpoint from other settings is refused naming the one that differs), the step it was
/// taken at, and the method's state.
///
/// Layout (little-endian): the magic line `ClipCanvas checkpoint\n`; u32 format version; u64
/// length and the JSON header (`settings`, `step`); u32 entry count and per entry: u8 kind (1:
/// float32, 2: uint64), u32 name length, the UTF-8 name, u64 element count, the elements; last,
/// u64 FNV-1a of every byte before it, so a truncated or damaged file is refused, never used.
public struct CheckpointFile: Equatable, Sendable {
    public static let version: UInt32 = 1
    static let magic = Array("ClipCanvas checkpoint\n".utf8)

    public struct Header: Codable, Equatable, Sendable {
        /// The settings that decide the run's steps, in the order they are compared.
        public var settings: [Setting]
        /// Steps completed when the checkpoint was taken.
        public var step: Int
    }

    public struct Setting: Codable, Equatable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var header: Header
    public var state: MethodState

    public init(settings: [Setting], step: Int, state: MethodState) {
        header = Header(settings: settings, step: step)
        self.state = state
    }

    /// The first setting whose value differs from `settings` (or that one of them lacks), as a
    /// sentence for the refusal; nil when they agree.
    public func difference(from settings: [Setting]) -> String? {
        let saved = Dictionary(header.settings.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let current = Dictionary(settings.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for setting in settings where saved[setting.name] != setting.value {
            guard let old = saved[setting.name] else { return "it has no \(setting.name) setting (this run: \(Self.show(setting.value)))" }
            return "its \(setting.name) is \(Self.show(old)), this run's is \(Self.show(setting.value))"
        }
        if let extra = header.settings.first(where: { current[$0.name] == nil }) {
            return "it has a \(extra.name) setting (\(Self.show(extra.value))) this run does not"
        }
        return nil
    }

    private static func show(_ value: String) -> String {
        value.count > 60 ? "\"\(value.prefix(57))…\"" : "\"\(value)\""
    }

    // MARK: Encoding

    public func encoded() throws -> Data {
        var bytes = Self.magic
        append(Self.version, to: &bytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = Array(try encoder.encode(header))
        append(UInt64(headerBytes.count), to: &bytes)
        bytes += headerBytes
        append(UInt32(state.floats.count + state.words.count), to: &bytes)
        for name in state.floats.keys.sorted() {
            let values = state.floats[name]!
            appendEntryHead(kind: 1, name: name, count: values.count, to: &bytes)
            bytes.reserveCapacity(bytes.count + 4 * values.count)
            for value in values { append(value.bitPattern, to: &bytes) }
        }
        for name in state.words.keys.sorted() {
            let values = state.words[name]!
            appendEntryHead(kind: 2, name: name, count: values.count, to: &bytes)
            for value in values { append(value, to: &bytes) }
        }
        append(Self.checksum(bytes[...]), to: &bytes)
        return Data(bytes)
    }

    private func appendEntryHead(kind: UInt8, name: String, count: Int, to bytes: inout [UInt8]) {
        bytes.append(kind)
        let nameBytes = Array(name.utf8)
        append(UInt32(nameBytes.count), to: &bytes)
        bytes += nameBytes
        append(UInt64(count), to: &bytes)
    }

    private func append<Word: FixedWidthInteger>(_ value: Word, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    // MARK: Decoding

    /// Reads a checkpoint; throws `MethodError` saying what is wrong with a file that is not one,
    /// is from another format version, or is truncated or damaged.
    public init(decoding data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw MethodError("it is not a ClipCanvas checkpoint")
        }
        var reader = Reader(bytes: bytes, offset: Self.magic.count)
        let version: UInt32 = try reader.word()
        guard version == Self.version else {
            throw MethodError("it is in checkpoint format \(version); this clipcanvas reads format \(Self.version)")
        }
        guard bytes.count >= Self.magic.count + 12 else { throw Self.truncated }
        let stored = bytes.suffix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard Self.checksum(bytes.dropLast(8)) == stored else {
            throw MethodError("it is truncated or damaged (its checksum does not match)")
        }
        reader.end = bytes.count - 8
        let headerLength = Int(try reader.word() as UInt64)
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(try reader.take(headerLength)))
        } catch let error as MethodError {
            throw error
        } catch {
            throw MethodError("its header is not readable")
        }
        var floats: [String: [Float]] = [:]
        var words: [String: [UInt64]] = [:]
        let entries: UInt32 = try reader.word()
        for _ in 0..<entries {
            let kind = try reader.take(1).first!
            let nameLength = Int(try reader.word() as UInt32)
            let name = String(decoding: try reader.take(nameLength), as: UTF8.self)
            let count = Int(clamping: try reader.word() as UInt64)
            switch kind {
            case 1:
                guard count <= (reader.end - reader.offset) / 4 else { throw Self.truncated }
                floats[name] = try (0..<count).map { _ in Float(bitPattern: try reader.word()) }
            case 2:
                guard count <= (reader.end - reader.offset) / 8 else { throw Self.truncated }
                words[name] = try (0..<count).map { _ in try reader.word() }
            default:
                throw MethodError("its entry \(name) has an unknown kind \(kind)")
            }
        }
        guard reader.offset == reader.end else { throw MethodError("it has \(reader.end - reader.offset) unexpected bytes at the end") }
        state = MethodState(floats: floats, words: words)
    }

    private static let truncated = MethodError("it is truncated")

    private struct Reader {
        let bytes: [UInt8]
        var offset: Int
        var end: Int

        init(bytes: [UInt8], offset: Int) {
            self.bytes = bytes
            self.offset = offset
            end = bytes.count
        }

        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= end - offset else { throw CheckpointFile.truncated }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        mutating func word<Word: FixedWidthInteger>() throws -> Word {
            let slice = try take(MemoryLayout<Word>.size)
            var value: Word = 0
            for (index, byte) in slice.enumerated() { value |= Word(byte) << (8 * index) }
            return value
        }
    }

    /// FNV-1a, 64 bits: a damaged byte or a file cut short shows; not a defence against tampering.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
