import Foundation
import FuzzDriver
@testable import Models

/// The unpickler alone, on the bytes of a `data.pkl`: far more of each mutation reaches it than
/// through a zip, whose directory most mutations break. (`@testable`: debug builds, which
/// fuzzing uses, compile every module with testing enabled.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    for inTorchScript in [false, true] {
        var unpickler = Unpickler(UnsafeRawBufferPointer(start: bytes, count: count), file: "fuzz.pkl", inTorchScript: inTorchScript)
        _ = try? unpickler.load()
    }
    return 0
}

runFuzzer(fuzzPickle)
