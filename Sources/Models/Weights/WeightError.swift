import Foundation

/// Why a weight file could not be read or does not hold what a model needs. Every message names
/// the file and says what to do about it.
public enum WeightError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or mapped (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// Neither a zip archive nor a safetensors file.
    case notACheckpoint(file: String)
    /// A `torch.save` file from before PyTorch 1.6 (a bare pickle stream, not a zip).
    case legacyTorchSave(file: String)
    /// Part of the file is missing: `item` ("storage data/37", "tensor visual.proj") needs
    /// `needed` bytes from `offset`, but the file ends at `fileSize`.
    case truncated(file: String, item: String, needed: Int, offset: Int, fileSize: Int)
    /// A zip whose end (the directory every zip finishes with) is missing; `cutEntry` is the
    /// entry the file stops inside, when one does.
    case truncatedArchive(file: String, fileSize: Int, cutEntry: String?)
    /// A zip archive that is not a PyTorch checkpoint.
    case noPickle(file: String)
    /// The bytes contradict the format (bad header, broken pickle, inconsistent sizes).
    case malformed(file: String, reason: String)
    /// The pickle names a Python callable that is not a tensor-rebuilding function or tensor
    /// container; unpickling it in Python would run arbitrary code.
    case refusedGlobal(file: String, module: String, name: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// `similar` lists names in the file that share the longest prefix with `name`.
    case missingTensor(file: String, name: String, similar: [String])
    case shapeMismatch(file: String, name: String, expected: [Int], actual: [Int])
    /// A Hugging Face config.json asks for an activation the CLIP towers do not implement.
    case unsupportedActivation(file: String, value: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read \(file): \(reason)"
        case .notACheckpoint(let file):
            return "\(file) is not a PyTorch checkpoint (zip) or safetensors file"
        case .legacyTorchSave(let file):
            return "\(file): legacy torch.save format (PyTorch < 1.6) is not supported; "
                + "re-save with torch.save(obj, path) in PyTorch >= 1.6"
        case .truncated(let file, let item, let needed, let offset, let fileSize):
            return "\(file) is truncated: \(item) needs \(grouped(needed)) bytes at offset \(grouped(offset)), "
                + "file has \(grouped(fileSize)) bytes; download it again"
        case .truncatedArchive(let file, let fileSize, let cutEntry):
            let inside = cutEntry.map { ", ends inside \($0)," } ?? ""
            return "\(file) is truncated: it has \(grouped(fileSize)) bytes\(inside) and lacks the zip directory "
                + "that ends every checkpoint; download it again"
        case .noPickle(let file):
            return "\(file) is a zip archive but not a PyTorch checkpoint: it has no data.pkl"
        case .malformed(let file, let reason):
            return "\(file) is not a valid checkpoint: \(reason)"
        case .refusedGlobal(let file, let module, let name):
            return "refusing to load \(module).\(name) from \(file): not a known tensor type "
                + "(the file may be malicious or not a checkpoint)"
        case .unsupportedDType(let file, let tensor, let dtype):
            return "\(file): tensor \(tensor) has dtype \(dtype), which is not supported "
                + "(supported: float16, bfloat16, float32, float64 and integer types)"
        case .missingTensor(let file, let name, let similar):
            let hint = similar.isEmpty ? "" : "; similar names: \(similar.joined(separator: ", "))"
            return "\(file) has no tensor named \(name)\(hint)"
        case .shapeMismatch(let file, let name, let expected, let actual):
            return "\(file): tensor \(name) has shape \(actual), expected \(expected); "
                + "the file is for a different model than the one being built"
        case .unsupportedActivation(let file, let value):
            return "\(file) sets hidden_act to \(value); "
                + "only quick_gelu or gelu, the same in both towers, are supported"
        }
    }

    public var errorDescription: String? { description }
}

/// 4718592 -> "4,718,592": byte counts users compare against `ls -l`.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}
