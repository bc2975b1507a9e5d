import Foundation
import Tensor

extension Safetensors {
    /// `tensors` as a safetensors file (float32, names sorted, header padded to 8 bytes): how
    /// tests and benchmarks hand a generated model to the loader as a user's file would arrive.
    public static func encode(_ tensors: [String: Tensor]) throws -> Data {
        var header: [String: Any] = [:]
        var payload = Data()
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            let start = payload.count
            tensor.values.withUnsafeBufferPointer { payload.append(Data(buffer: $0)) }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, payload.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var length = UInt64(json.count).littleEndian
        var file = Data(bytes: &length, count: 8)
        file.append(json)
        file.append(payload)
        return file
    }
}
