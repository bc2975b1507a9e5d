import ArgumentParser
import Models
import Output
import Tensor

/// How the image methods (style, paint) write their result: PNG or JPEG, at the working size or
/// at `--output-size`. Their `--size` is the working size, so the result needs its own flag.
struct ImageResultOptions: ParsableArguments {
    @Option(help: "Longer side in pixels of the written result (default: style, the photo's size; paint, the working size).")
    var outputSize: Int?

    static let formats = ["png", "jpg", "jpeg"]

    /// The largest side both formats can hold (JPEG's limit; PNG's is far larger).
    static let largestSide = 65_500

    func validate() throws {
        if let outputSize, !(1...Self.largestSide).contains(outputSize) {
            throw ValidationError("--output-size must be between 1 and \(Self.largestSide), got \(outputSize)")
        }
    }

    /// Writes `result` [3, H, W] to every path (format by extension), resized if asked; returns
    /// the paths.
    /// Without `--output-size`, a `defaultSize` (style: the photo's) is the result's exact size.
    func write(_ result: Tensor, to paths: [String], defaultSize: (width: Int, height: Int)? = nil) throws -> [String] {
        var image = Image(tensor: result)
        if outputSize == nil, let defaultSize, (defaultSize.width, defaultSize.height) != (image.width, image.height) {
            image = Image(tensor: ImagePreprocessing.resizeAntialiased(image.tensor, height: defaultSize.height, width: defaultSize.width))
        }
        try ImageFile.save(resized(image), to: paths)
        return paths
    }

    /// The image with `--output-size` as its longer side (antialiased bicubic), or as it is.
    private func resized(_ image: Image) -> Image {
        guard let outputSize, outputSize != max(image.width, image.height) else { return image }
        let scale = Double(outputSize) / Double(max(image.width, image.height))
        let height = max(1, Int((Double(image.height) * scale).rounded())), width = max(1, Int((Double(image.width) * scale).rounded()))
        return Image(tensor: ImagePreprocessing.resizeAntialiased(image.tensor, height: height, width: width))
    }
}
