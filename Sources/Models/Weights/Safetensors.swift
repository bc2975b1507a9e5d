import Foundation
import Tensor

/// safetensors files (Hugging Face's `model.safetensors`, OpenCLIP's
/// `open_clip_model.safetensors`): an 8-byte little-endian header length, a JSON header mapping
/// each tensor name to its dtype, shape and [begin, end) byte range in the data that follows
/// (plus an optional `__metadata__` object of strings), then the raw row-major data.
public enum Safetensors {
    /// Whether the file starts like safetensors: a header length, then a JSON object.
    static func recognizes(_ file: MappedFile) -> Bool {
        file.count >= 9 && file.bytes[8] == UInt8(ascii: "{")
    }

    static func read(_ file: MappedFile) throws -> [String: Tensor] {
        let headerLength = file.uint64(at: 0)
        guard headerLength <= UInt64(file.count - 8) else {
            throw WeightError.truncated(
                file: file.name, item: "the safetensors header", needed: Int(clamping: headerLength), offset: 8,
                fileSize: file.count)
        }
        let dataStart = 8 + Int(headerLength)
        let entries = try header(Data(file.bytes[8..<dataStart]), file: file.name)

        // Check every entry before converting any, so a bad file fails at once.
        var plans: [(name: String, type: ElementType, layout: StridedLayout, range: Range<Int>)] = []
        for (name, entry) in entries {
            guard let type = ElementType(safetensorsCode: entry.dtype) else {
                throw WeightError.unsupportedDType(file: file.name, tensor: name, dtype: entry.dtype)
            }
            // Sizes come from the file: every product and difference is checked for overflow.
            let layout = rowMajorStrides(entry.shape).map { StridedLayout(shape: entry.shape, strides: $0, offset: 0) }
            guard entry.dataOffsets.count == 2, let layout, let count = layout.count,
                case (let byteCount, let overflow) = count.multipliedReportingOverflow(by: type.byteCount), !overflow,
                entry.dataOffsets[0] >= 0, entry.dataOffsets[1] >= entry.dataOffsets[0],
                entry.dataOffsets[1] - entry.dataOffsets[0] == byteCount
            else {
                throw WeightError.malformed(
                    file: file.name,
                    reason: "tensor \(name) of shape \(entry.shape) and dtype \(entry.dtype) "
                        + "does not match its data_offsets \(entry.dataOffsets)")
            }
            guard entry.dataOffsets[1] <= file.count - dataStart else {
                throw WeightError.truncated(
                    file: file.name, item: "tensor \(name)", needed: entry.dataOffsets[1] - entry.dataOffsets[0],
                    offset: dataStart + entry.dataOffsets[0], fileSize: file.count)
            }
            plans.append((name, type, layout, (dataStart + entry.dataOffsets[0])..<(dataStart + entry.dataOffsets[1])))
        }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(plans.count)
        for plan in plans.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[plan.range])
            tensors[plan.name] =
                bytes.baseAddress.map { plan.layout.makeFloatTensor(from: $0, type: plan.type) }
                ?? Tensor(zeros: plan.layout.shape)
            file.releasePages(plan.range)
        }
        return tensors
    }

    private struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    private struct Name: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Tensor entries by name; `__metadata__` (free-form strings) is not needed for weights.
    private struct Header: Decodable {
        var entries: [String: Entry] = [:]

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Name.self)
            for key in container.allKeys where key.stringValue != "__metadata__" {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }

    private static func header(_ json: Data, file: String) throws -> [String: Entry] {
        do {
            return try JSONDecoder().decode(Header.self, from: json).entries
        } catch {
            throw WeightError.malformed(file: file, reason: "its safetensors header is not valid JSON (\(error))")
        }
    }

    /// nil when they overflow (a shape no file can hold).
    private static func rowMajorStrides(_ shape: [Int]) -> [Int]? {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() {
            let (stride, overflow) = strides[axis + 1].multipliedReportingOverflow(by: max(shape[axis + 1], 1))
            guard !overflow else { return nil }
            strides[axis] = stride
        }
        return strides
    }
}
