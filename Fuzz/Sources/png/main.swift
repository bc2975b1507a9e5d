import Foundation
import FuzzDriver
import Output

/// PNG decoding, with a budget (1 megapixel) that keeps ASan well within libFuzzer's memory
/// limit (the budget check itself is what a huge header exercises).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    if let image = try? PNGCodec.decode(Data(bytes: bytes, count: count), maxPixels: 1 << 20) {
        _ = image.compositedOnWhite()
    }
    return 0
}

runFuzzer(fuzzPNG)
