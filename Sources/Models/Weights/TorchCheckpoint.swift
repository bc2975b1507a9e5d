import Tensor

/// PyTorch's zip checkpoints: `torch.save` state dicts (OpenCLIP's `.bin`, torchvision's `.pth`,
/// training checkpoints) and TorchScript archives (`torch.jit.save`: OpenAI's released `.pt`).
///
/// Both are zips of `<archive>/data.pkl` — a pickle whose tensors point at storages by key —
/// and the raw little-endian storages at `<archive>/data/<key>`. A TorchScript archive also has
/// `constants.pkl` and `code/`, and its pickle is the module tree rather than a state dict.
enum TorchCheckpoint {
    /// A tensor of the checkpoint under its state-dict name, before conversion.
    typealias NamedReference = (name: String, tensor: TensorReference)

    static func read(_ file: MappedFile) throws -> (tensors: [String: Tensor], format: WeightFormat) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(file)
        } catch is ZipArchive.MissingDirectory {
            throw TruncatedCheckpoint.diagnose(file)
        }
        guard let pickle = pickleEntry(in: archive.entries) else { throw WeightError.noPickle(file: file.name) }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        let isTorchScript =
            archive.entry(named: prefix + "constants.pkl") != nil
            || archive.entries.contains { $0.name.hasPrefix(prefix + "code/") }
        try checkByteOrder(of: archive, prefix: prefix)

        let root = try archive.withContents(
            of: pickle, label: "zip entry \(pickle.name)", limit: ZipArchive.metadataLimit
        ) { bytes in
            var unpickler = Unpickler(bytes, file: file.name, inTorchScript: isTorchScript)
            return try unpickler.load()
        }
        var references: [NamedReference] = []
        if isTorchScript {
            var classes = TorchScriptClasses(archive: archive, prefix: prefix)
            try collectModuleState(root, path: "", classes: &classes, into: &references)
        } else {
            references = try stateDictTensors(in: root, file: file.name)
        }
        guard !references.isEmpty else {
            throw WeightError.malformed(file: file.name, reason: "its pickle holds no tensors")
        }
        let tensors = try materialize(references, archive: archive, prefix: prefix)
        return (tensors, isTorchScript ? .torchScript : .torchZip)
    }

    /// `<archive>/data.pkl`, the archive's one top-level folder being named after the file.
    static func pickleEntry(in entries: [ZipArchive.Entry]) -> ZipArchive.Entry? {
        entries.filter { entry in
            entry.name == "data.pkl"
                || (entry.name.hasSuffix("/data.pkl") && entry.name.split(separator: "/").count == 2)
        }.min { $0.name.count < $1.name.count }
    }

    private static func checkByteOrder(of archive: ZipArchive, prefix: String) throws {
        guard let entry = archive.entry(named: prefix + "byteorder") else { return }
        let order = try archive.withContents(
            of: entry, label: "zip entry \(entry.name)", limit: ZipArchive.metadataLimit
        ) {
            String(decoding: $0, as: UTF8.self)
        }
        guard order == "little" else {
            throw WeightError.malformed(
                file: archive.file.name,
                reason: "it was saved in \(order)-endian byte order; re-save it on a little-endian machine")
        }
    }

    /// The tensors of a state dict, unwrapping training checkpoints ({"state_dict": …},
    /// {"model": …}) and DataParallel's "module." prefix.
    private static func stateDictTensors(in root: PickleValue, file: String) throws -> [NamedReference] {
        var stateDict = root
        while let inner = ["state_dict", "model", "model_state_dict"].lazy.compactMap({ stateDict[$0] })
            .first(where: \.isDict)
        {
            stateDict = inner
        }
        guard case .dict(let entries) = stateDict else {
            throw WeightError.malformed(file: file, reason: "its pickle is not a state dict")
        }
        let tensors = entries.compactMap { entry -> NamedReference? in
            guard let name = entry.key.string, case .tensor(let tensor) = entry.value else { return nil }
            return (name, tensor)
        }
        let dataParallelPrefix = "module."
        guard !tensors.isEmpty, tensors.allSatisfy({ $0.name.hasPrefix(dataParallelPrefix) }) else { return tensors }
        return tensors.map { (String($0.name.dropFirst(dataParallelPrefix.count)), $0.tensor) }
    }

    /// A TorchScript module's parameters and buffers, named by attribute path as `state_dict()`
    /// names them ("visual.transformer.resblocks.0.attn.in_proj_weight").
    private static func collectModuleState(
        _ module: PickleValue, path: String, classes: inout TorchScriptClasses,
        into references: inout [NamedReference]
    ) throws {
        guard case .object(let className, let state) = module, case .dict(let attributes) = state else { return }
        let stateNames = try classes.stateNames(ofClass: className)
        for (key, value) in attributes {
            guard let name = key.string else { continue }
            switch value {
            case .tensor(let tensor) where stateNames?.contains(name) ?? true:
                references.append((path + name, tensor))
            case .object:
                try collectModuleState(value, path: path + name + ".", classes: &classes, into: &references)
            default:
                break
            }
        }
    }

    /// Converts every tensor to float32, one storage at a time in file order: each storage's
    /// mapped bytes are read once, straight into the tensors that view it, then released.
    private static func materialize(
        _ references: [NamedReference], archive: ZipArchive, prefix: String
    ) throws -> [String: Tensor] {
        let file = archive.file
        var viewsByKey: [String: [NamedReference]] = [:]
        for reference in references { viewsByKey[reference.tensor.storage.key, default: []].append(reference) }
        var storages: [(entry: ZipArchive.Entry, views: [NamedReference])] = []
        for (key, views) in viewsByKey {
            guard let entry = archive.entry(named: prefix + "data/" + key) else {
                throw WeightError.malformed(
                    file: file.name, reason: "storage data/\(key) of tensor \(views[0].name) is missing")
            }
            storages.append((entry, views))
        }
        storages.sort { $0.entry.localHeaderOffset < $1.entry.localHeaderOffset }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(references.count)
        for (entry, views) in storages {
            let storage = views[0].tensor.storage
            let label = "storage data/\(storage.key)"
            guard let type = ElementType(storageClass: storage.storageClass) else {
                throw WeightError.unsupportedDType(
                    file: file.name, tensor: views[0].name, dtype: "torch." + storage.storageClass)
            }
            let (needed, overflow) = storage.count.multipliedReportingOverflow(by: type.byteCount)
            guard !overflow else {
                throw WeightError.malformed(
                    file: file.name, reason: "\(label) claims \(storage.count) elements, more than any file holds")
            }
            // What the storage's tensors can use bounds what a compressed entry may inflate to.
            try archive.withContents(of: entry, label: label, limit: needed) { bytes in
                guard bytes.count >= needed else {
                    throw WeightError.malformed(
                        file: file.name,
                        reason: "\(label) holds \(bytes.count) bytes, not the \(storage.count) elements its tensors use"
                    )
                }
                for (name, view) in views {
                    guard view.storage == storage, let span = view.layout.span, span <= storage.count else {
                        throw WeightError.malformed(file: file.name, reason: "tensor \(name) reaches outside \(label)")
                    }
                    // Only broadcast views (stride 0) have more elements than their storage; no
                    // checkpoint needs them, and a crafted count could ask for any amount of memory.
                    guard let count = view.layout.count, count <= storage.count else {
                        throw WeightError.malformed(
                            file: file.name,
                            reason: "tensor \(name) is a broadcast view larger than \(label); "
                                + "save it with .contiguous()")
                    }
                    if let base = bytes.baseAddress {
                        tensors[name] = view.layout.makeFloatTensor(from: base, type: type)
                    } else {
                        tensors[name] = Tensor(zeros: view.layout.shape)
                    }
                }
            }
            archive.releasePages(of: entry)
        }
        return tensors
    }
}
