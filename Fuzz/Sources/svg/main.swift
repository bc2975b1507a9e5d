import Foundation
import FuzzDriver
import Scene

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSVG(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    _ = try? SVGReader.read(Data(bytes: bytes, count: count))
    return 0
}

runFuzzer(fuzzSVG)
