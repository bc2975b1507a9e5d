/// Which attributes of each TorchScript module class are parameters or buffers — exactly what
/// `torch.jit.load(path).state_dict()` returns — read from the archive's generated code.
///
/// A TorchScript archive pickles every module attribute, including tensors that are neither
/// parameters nor buffers (OpenAI's text blocks keep `attn_mask` as a plain attribute). The code
/// under `<archive>/code/` declares each class's `__parameters__` and `__buffers__`:
///
///     class Linear(Module):
///       __parameters__ = ["weight", "bias", ]
///       __buffers__ = []
///
/// Class `__torch__.torch.nn.modules.linear.Linear` lives in `code/__torch__/torch/nn/modules/linear.py`.
struct TorchScriptClasses {
    private let archive: ZipArchive
    private let prefix: String
    /// Per code file: class name -> its parameter and buffer names.
    private var declarationsByFile: [String: [String: Set<String>]] = [:]

    init(archive: ZipArchive, prefix: String) {
        self.archive = archive
        self.prefix = prefix
    }

    /// The parameter and buffer names of a class, or nil when its code is not in the archive
    /// (then every tensor attribute is taken as state).
    mutating func stateNames(ofClass qualifiedName: String) throws -> Set<String>? {
        guard let dot = qualifiedName.lastIndex(of: ".") else { return nil }
        let module = String(qualifiedName[..<dot])
        let className = String(qualifiedName[qualifiedName.index(after: dot)...])
        let path = prefix + "code/" + module.replacingOccurrences(of: ".", with: "/") + ".py"
        if declarationsByFile[path] == nil {
            guard let entry = archive.entry(named: path) else { return nil }
            let source = try archive.withContents(
                of: entry, label: "zip entry \(path)", limit: ZipArchive.metadataLimit
            ) {
                String(decoding: $0, as: UTF8.self)
            }
            declarationsByFile[path] = Self.declarations(in: source)
        }
        return declarationsByFile[path]?[className]
    }

    /// Class name -> names listed in its `__parameters__` and `__buffers__`.
    private static func declarations(in source: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        var currentClass: String?
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            if line.hasPrefix("class "), let open = line.firstIndex(of: "(") {
                let name = String(line[line.index(line.startIndex, offsetBy: 6)..<open])
                currentClass = name
                result[name] = []
                continue
            }
            let trimmed = line.drop { $0 == " " }
            guard let name = currentClass,
                trimmed.hasPrefix("__parameters__ = [") || trimmed.hasPrefix("__buffers__ = [")
            else { continue }
            // The list usually fits one line; gather continuation lines up to its "]".
            var list = String(trimmed.drop { $0 != "[" })
            while !list.contains("]"), let next = lines.popFirst() { list += next }
            result[name, default: []].formUnion(quotedStrings(in: list))
        }
        return result
    }

    private static func quotedStrings(in text: String) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
