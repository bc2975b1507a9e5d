import Foundation
import FuzzDriver
import Scene

/// Decoding, and encoding what decoded (the writer must take any scene the reader accepts).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSceneJSON(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    if let scene = try? SceneJSON.decode(Data(bytes: bytes, count: count)) {
        _ = SceneJSON.encode(scene)
    }
    return 0
}

runFuzzer(fuzzSceneJSON)
