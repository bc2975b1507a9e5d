/// Explains a PyTorch checkpoint whose end is missing — an interrupted download — by walking
/// what is left from the front: which storage the file stops in, how many bytes that storage
/// needs and how many the file has.
///
/// `torch.save` writes data.pkl first, so its storage sizes are known even when the tail is
/// gone; TorchScript archives write data.pkl after the storages, so for them the message names
/// the entry the file stops inside.
enum TruncatedCheckpoint {
    static func diagnose(_ file: MappedFile) -> WeightError {
        let scan = ZipArchive.scanLocalEntries(file)
        let generic = WeightError.truncatedArchive(file: file.name, fileSize: file.count, cutEntry: scan.cut?.name)
        guard let pickle = TorchCheckpoint.pickleEntry(in: scan.complete),
            let storages = try? storagesReferenced(by: pickle, in: file)
        else { return generic }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        let completeNames = Set(scan.complete.map(\.name))
        let missing = storages.filter { !completeNames.contains(prefix + "data/" + $0.key) }
        // The storage the file stops inside; else (cut between entries) the first absent one in
        // torch.save's writing order, sorted keys.
        guard
            let storage = missing.first(where: { prefix + "data/" + $0.key == scan.cut?.name })
                ?? missing.min(by: { $0.key < $1.key }),
            let type = ElementType(storageClass: storage.storageClass)
        else { return generic }
        let (needed, overflow) = storage.count.multipliedReportingOverflow(by: type.byteCount)
        guard !overflow else { return generic }
        let offset = scan.cut.flatMap { $0.name == prefix + "data/" + storage.key ? $0.dataOffset : nil } ?? scan.end
        return .truncated(
            file: file.name, item: "storage data/\(storage.key)", needed: needed, offset: offset, fileSize: file.count)
    }

    private static func storagesReferenced(by pickle: ZipArchive.Entry, in file: MappedFile) throws -> Set<
        StorageReference
    > {
        let start =
            pickle.localHeaderOffset + 30 + Int(file.uint16(at: pickle.localHeaderOffset + 26))
            + Int(file.uint16(at: pickle.localHeaderOffset + 28))
        guard pickle.method == 0, start + pickle.compressedSize <= file.count else { return [] }
        // Whether this is a TorchScript archive is unknown with its tail gone; admitting module
        // classes is harmless here, where only storage references are read out of the pickle.
        var unpickler = Unpickler(
            UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + pickle.compressedSize)]), file: file.name,
            inTorchScript: true)
        var storages: Set<StorageReference> = []
        collectStorages(in: try unpickler.load(), into: &storages)
        return storages
    }

    private static func collectStorages(in value: PickleValue, into storages: inout Set<StorageReference>) {
        switch value {
        case .tensor(let tensor): storages.insert(tensor.storage)
        case .storage(let storage): storages.insert(storage)
        case .list(let items), .tuple(let items):
            for item in items { collectStorages(in: item, into: &storages) }
        case .dict(let entries):
            for entry in entries { collectStorages(in: entry.value, into: &storages) }
        case .object(_, let state): collectStorages(in: state, into: &storages)
        case .none, .bool, .int, .float, .string, .bytes, .global: break
        }
    }
}
