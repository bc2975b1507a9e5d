import Foundation
import FuzzDriver
import Models

/// A whole weight file (zip directory, pickle, storages) through the loader every command uses.
/// The loader maps files, so each input is written to a file of this process's own.
private let path = FileManager.default.temporaryDirectory.appendingPathComponent("clipcanvas-fuzz-\(getpid()).pt")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    guard (try? Data(bytes: bytes, count: count).write(to: path)) != nil else { return 0 }
    _ = try? StateDict.load(path)
    return 0
}

runFuzzer(fuzzCheckpoint)
