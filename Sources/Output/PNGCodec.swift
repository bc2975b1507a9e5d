import CImageCodecs
import Foundation

/// PNG decoding and encoding through libpng (via the CImageCodecs shim, which keeps libpng's
/// longjmp-based errors inside C).
public enum PNGCodec {
    /// Decodes any PNG: 1–16-bit, grey, grey + alpha, RGB, RGBA, palette (with tRNS
    /// transparency becoming alpha) and interlaced. Samples are returned as stored, divided by
    /// 255 or 65535; gamma chunks are ignored, as browsers do for untagged sRGB images. An image
    /// of more than `maxPixels` pixels is refused from its header (`OutputError.Kind.tooLarge`).
    public static func decode(_ data: Data, maxPixels: Int = Image.maxDecodedPixels) throws -> Image {
        try decodeSamples(data, format: "PNG", maxPixels: maxPixels, decoder: cc_png_decode)
    }

    /// Encodes as an 8-bit PNG with the image's channels (grey, grey + alpha, RGB or RGBA).
    /// Values are clamped to [0, 1] and rounded to the nearest of 256 levels.
    public static func encode(_ image: Image) throws -> Data {
        let samples = interleavedBytes(image)
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(CC_MESSAGE_CAPACITY))
        let status = cc_png_encode(
            samples, UInt32(image.width), UInt32(image.height), UInt32(image.channels), &png, &size, &message)
        guard status == 0, let png else {
            throw OutputError(.rendering, "cannot encode PNG: \(String(cString: message))")
        }
        defer { cc_free(png) }
        return Data(bytes: png, count: size)
    }
}

/// The image as interleaved 8-bit samples, as the encoders take them: values clamped to [0, 1]
/// and rounded to the nearest of 256 levels.
func interleavedBytes(_ image: Image) -> [UInt8] {
    let plane = image.width * image.height
    var samples = [UInt8](repeating: 0, count: plane * image.channels)
    for channel in 0..<image.channels {
        for index in 0..<plane {
            let value = min(max(image.pixels[channel * plane + index], 0), 1)
            samples[index * image.channels + channel] = UInt8((value * 255).rounded())
        }
    }
    return samples
}

/// Runs one of the shim's decoders and converts its interleaved 8- or 16-bit samples into a
/// planar float image.
func decodeSamples(
    _ data: Data, format: String, maxPixels: Int,
    decoder: (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<cc_image>?, UnsafeMutablePointer<CChar>?) ->
        Int32
) throws -> Image {
    var decoded = cc_image()
    var message = [CChar](repeating: 0, count: Int(CC_MESSAGE_CAPACITY))
    let status = data.withUnsafeBytes { bytes in
        decoder(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, UInt64(max(maxPixels, 0)), &decoded, &message)
    }
    if status == CC_TOO_LARGE {
        let detail = String(cString: message)
        throw OutputError(
            .tooLarge,
            "image is too large: \(decoded.width) x \(decoded.height) pixels\(detail.isEmpty ? "" : " (\(detail))"), "
                + "the limit is \(Image.describePixelCount(maxPixels)); scale it down first")
    }
    guard status == 0, let samples = decoded.samples else {
        throw OutputError(.corruptImage, "corrupt or truncated \(format): \(String(cString: message))")
    }
    defer { cc_free(samples) }
    let width = Int(decoded.width)
    let height = Int(decoded.height)
    let channels = Int(decoded.channels)
    let plane = width * height
    var pixels = [Float](repeating: 0, count: plane * channels)
    if decoded.bits_per_sample == 16 {
        for index in 0..<plane {
            for channel in 0..<channels {
                let offset = 2 * (index * channels + channel)
                let value = UInt16(samples[offset]) << 8 | UInt16(samples[offset + 1])
                pixels[channel * plane + index] = Float(value) / 65535
            }
        }
    } else {
        for index in 0..<plane {
            for channel in 0..<channels {
                pixels[channel * plane + index] = Float(samples[index * channels + channel]) / 255
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}
