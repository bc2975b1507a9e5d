import Models
import Tensor

/// StyleCLIPDraw's input beside the prompt: the image whose look the drawing should take on,
/// and the VGG16 that reads it.
public struct DrawingStyle {
    /// [3, H, W] in [0, 1], as loaded.
    public let image: Tensor
    public let network: VGG16Features

    public init(image: Tensor, network: VGG16Features) {
        self.image = image
        self.network = network
    }
}

/// The style side of a StyleCLIPDraw run, fixed at its start: the style image's hypercolumns at
/// pixels drawn once from the run's seed, and the loss that compares a drawing's with them. A
/// checkpoint needs only the style image, the network and `stylePixels` to rebuild it.
@_spi(StepParity)
public final class StyleObjective {
    /// The reference's counts: `calculate_loss` reads 1024 locations of the drawing per step;
    /// the style is 5 rounds of `forward_samples_hypercolumn(style, samps=1000)`.
    static let locationsPerStep = 1024
    static let styleRounds = 5
    static let stylePixelsPerRound = 1000

    let hypercolumns: StyleHypercolumns
    let loss: StyleLoss
    /// Where the style image's hypercolumns were read.
    let stylePixels: [StyleHypercolumns.Locations]

    /// `styleImage` [1, 3, H, W] in [0, 1], already at its working size.
    public init(styleImage: Tensor, network: VGG16Features, stylePixels: [StyleHypercolumns.Locations]) {
        hypercolumns = StyleHypercolumns(network: network)
        self.stylePixels = stylePixels
        loss = StyleLoss(style: StyleHypercolumns.sampleStyle(hypercolumns.layers(styleImage), at: stylePixels))
    }

    /// The style of `style` for a drawing on a `canvas`-pixel canvas, its pixels drawn from `generator`.
    convenience init(style: DrawingStyle, canvas: Int, generator: inout SeededGenerator) throws {
        let image = try Self.workingImage(style.image, canvas: canvas)
        let pixels = StyleHypercolumns.sampleStylePixels(
            height: image.shape[2], width: image.shape[3], rounds: Self.styleRounds, count: Self.stylePixelsPerRound,
            generator: &generator)
        self.init(styleImage: image, network: style.network, stylePixels: pixels)
    }

    /// The reference's `pil_resize_long_edge_to(style, canvas_width)`: the longer side becomes the
    /// canvas side (PIL's antialiased bicubic, back to 8-bit levels as PIL's RGB images are).
    /// [1, 3, H, W].
    static func workingImage(_ image: Tensor, canvas: Int) throws -> Tensor {
        let height = image.shape[1], width = image.shape[2]
        let ratio = width < height ? Double(canvas) / Double(height) : Double(canvas) / Double(width)
        let newHeight = Int(Double(height) * ratio), newWidth = Int(Double(width) * ratio)
        guard newHeight >= 16, newWidth >= 16 else {
            throw MethodError(
                "the style image (\(width)x\(height)) is too narrow: resized to a \(canvas)-pixel canvas it is \(newWidth)x\(newHeight), and VGG16 needs at least 16x16"
            )
        }
        guard [newHeight, newWidth] != [height, width] else { return image.reshaped([1, 3, height, width]) }
        let resized = ImagePreprocessing.resizeAntialiased(image, height: newHeight, width: newWidth)
        return Tensor(shape: [1, 3, newHeight, newWidth], values: resized.values.map { (min(max($0, 0), 1) * 255).rounded() / 255 })
    }

    /// The drawing's locations for one step.
    func sampleLocations(height: Int, width: Int, generator: inout SeededGenerator) -> StyleHypercolumns.Locations {
        StyleHypercolumns.sampleLocations(height: height, width: width, count: Self.locationsPerStep, generator: &generator)
    }

    /// The style loss of `image` [1, 3, H, W] read at `locations`, on the tape back to the image.
    public func callAsFunction(_ image: Tensor, at locations: StyleHypercolumns.Locations) -> Tensor {
        loss(StyleHypercolumns.sample(hypercolumns.layers(image), at: locations))
    }
}
