import Foundation
import FuzzDriver
import Output

/// JPEG decoding, EXIF orientation included, with a budget that makes large headers take the
/// reduce-while-decoding path.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    if let image = try? JPEGCodec.decode(Data(bytes: bytes, count: count), maxPixels: 1 << 20) {
        _ = image.compositedOnWhite()
    }
    return 0
}

runFuzzer(fuzzJPEG)
