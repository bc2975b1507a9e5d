import CImageCodecs
import Foundation

/// JPEG decoding through libjpeg (via the CImageCodecs shim).
public enum JPEGCodec {
    /// Decodes a baseline or progressive JPEG to grey (1 channel) or RGB (3 channels), turned
    /// upright according to its EXIF orientation, as photo viewers show it.
    public static func decode(_ data: Data) throws -> Image {
        let stored = try decodeSamples(data, format: "JPEG", decoder: cc_jpeg_decode)
        return stored.oriented(EXIFOrientation(jpeg: data))
    }
}
