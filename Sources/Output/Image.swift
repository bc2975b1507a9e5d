/// A decoded or rendered raster image: `channels` planes of `height × width` floats in [0, 1].
///
/// Channels are 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA), un-premultiplied. The layout is
/// channel-planar (CHW, rows top to bottom), the layout of an image tensor, so a tensor can
/// wrap `pixels` without reordering.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `pixels[(channel * height + y) * width + x]`.
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0, "image size must be positive")
        precondition((1...4).contains(channels), "an image has 1 to 4 channels")
        precondition(pixels.count == width * height * channels, "pixel count must be width × height × channels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The most pixels a decoded PNG or JPEG may have: 8192 x 8192 (larger JPEGs are reduced
    /// while decoding). As floats such an image takes 12 to 16 bytes a pixel, about 1 GB, and a
    /// copy or two more on its way to a tensor; every command works on far smaller images, and a
    /// hundred-byte file can declare 65535 x 65535.
    public static let maxDecodedPixels = 1 << 26

    /// "67,108,864 pixels (8192 x 8192)" for a square budget, else the count alone.
    static func describePixelCount(_ count: Int) -> String {
        let digits = String(count)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let side = Int(Double(count).squareRoot())
        return side * side == count ? "\(grouped) pixels (\(side) x \(side))" : "\(grouped) pixels"
    }

    public subscript(x: Int, y: Int, channel: Int) -> Float {
        get { pixels[(channel * height + y) * width + x] }
        set { pixels[(channel * height + y) * width + x] = newValue }
    }

    /// All channels of one pixel, e.g. `[r, g, b, a]`.
    public func pixel(x: Int, y: Int) -> [Float] {
        (0..<channels).map { self[x, y, $0] }
    }

    /// The image as RGB, with any alpha composited onto white (`c·a + 1·(1 − a)`) and grey
    /// repeated into three channels. Methods that feed CLIP need exactly this.
    public func compositedOnWhite() -> Image {
        // Already opaque RGB: share the pixels rather than copy a possibly large image.
        if channels == 3 { return self }
        let plane = width * height
        let colorPlanes = channels >= 3 ? [0, 1, 2] : [0, 0, 0]
        var rgb = [Float](repeating: 0, count: 3 * plane)
        for (output, input) in colorPlanes.enumerated() {
            for index in 0..<plane {
                let value = pixels[input * plane + index]
                if hasAlpha {
                    let alpha = pixels[(channels - 1) * plane + index]
                    rgb[output * plane + index] = value * alpha + (1 - alpha)
                } else {
                    rgb[output * plane + index] = value
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: rgb)
    }
}
