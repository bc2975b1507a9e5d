import CImageCodecs
import Foundation

/// JPEG decoding and encoding through libjpeg (via the CImageCodecs shim).
public enum JPEGCodec {
    /// Decodes a baseline or progressive JPEG to grey (1 channel) or RGB (3 channels), turned
    /// upright according to its EXIF orientation, as photo viewers show it. One of more than
    /// `maxPixels` pixels is reduced by 2, 4 or 8 on each side while decoding until it fits
    /// (the inputs of every command are far smaller); beyond that it is refused (`.tooLarge`).
    public static func decode(_ data: Data, maxPixels: Int = Image.maxDecodedPixels) throws -> Image {
        let stored = try decodeSamples(data, format: "JPEG", maxPixels: maxPixels, decoder: cc_jpeg_decode)
        return stored.oriented(EXIFOrientation(jpeg: data))
    }

    /// Encodes as a baseline JPEG at `quality` (1–100). Alpha is composited onto white first (JPEG
    /// has none); grey stays grey.
    public static func encode(_ image: Image, quality: Int = 95) throws -> Data {
        let opaque = image.hasAlpha ? image.compositedOnWhite() : image
        let samples = interleavedBytes(opaque)
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(CC_MESSAGE_CAPACITY))
        let status = cc_jpeg_encode(
            samples, UInt32(opaque.width), UInt32(opaque.height), UInt32(opaque.channels), Int32(min(max(quality, 1), 100)),
            &jpeg, &size, &message)
        guard status == 0, let jpeg else {
            throw OutputError(.rendering, "cannot encode JPEG: \(String(cString: message))")
        }
        defer { cc_free(jpeg) }
        return Data(bytes: jpeg, count: size)
    }
}
